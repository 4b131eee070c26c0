"""Builders for selection problems in tests (plain dicts, as the contract has them), and a
brute-force solver to check the planner against. No tests here."""

from __future__ import annotations

import random
import subprocess
import threading
from dataclasses import dataclass
from typing import Any

from planner import SelectionResult, parse_selection, select

SIDES = ("min_amount", "max_amount", "min_count", "max_count")


def proposal(proposal_id: str, cost: float, score: float, region: str = "AF", **key: str) -> dict[str, Any]:
    return {"id": proposal_id, "cost": cost, "score": score, "key": {"region": region, **key}}


def rule(rule_id: str, where: dict[str, list[str]] | None = None, **bounds: float) -> dict[str, Any]:
    return {"id": rule_id, "where": where or {}, **bounds}


def problem(
    proposals: list[dict[str, Any]], budget: float, rules: list[dict[str, Any]] | None = None, **extra: Any
) -> dict[str, Any]:
    return {"format": "selection-problem/1", "proposals": proposals, "budget": budget, "rules": rules or [], **extra}


def run(data: dict[str, Any], solver: str | None = None, **options: Any) -> SelectionResult:
    return select(parse_selection(data), solver, **options)


def reasons(result: SelectionResult) -> dict[str, str]:
    return {u.id: u.reason for u in result.unfunded}


def conflicts(result: SelectionResult) -> dict[tuple[str, str], int]:
    return {(c.id, c.side): int(c.relaxed_by) for c in result.conflicts}


@dataclass(frozen=True)
class Best:
    score: int  # tenths of a point (scores in tests have at most one decimal place)
    cost: int
    chosen: frozenset[str]


@dataclass(frozen=True)
class Relaxation:
    dollars: int
    proposals: int


class BruteForce:
    """Every subset of the proposals (at most 2**14), with the sums kept per bitmask."""

    def __init__(self, data: dict[str, Any]) -> None:
        items = data["proposals"]
        self.ids = [p["id"] for p in items]
        n = len(items)
        assert n <= 16
        costs = [int(p["cost"]) for p in items]
        scores = [round(p["score"] * 10) for p in items]
        self.cost = self._sums(costs)
        self.score = self._sums(scores)
        self.count = [bin(mask).count("1") for mask in range(1 << n)]
        everyone = (1 << n) - 1
        self.limits: list[tuple[int, str, int, str]] = [(everyone, "max_amount", int(data["budget"]), "budget")]
        for r in data.get("rules", []):
            members = 0
            for i, p in enumerate(items):
                if all(p["key"].get(dimension) in values for dimension, values in r.get("where", {}).items()):
                    members |= 1 << i
            self.limits += [(members, side, int(r[side]), r["id"]) for side in SIDES if r.get(side) is not None]
        index = {pid: i for i, pid in enumerate(self.ids)}
        self.must = sum(1 << index[pid] for pid in data.get("must_fund", []))
        self.excluded = sum(1 << index[pid] for pid in data.get("exclude", []))

    @staticmethod
    def _sums(values: list[int]) -> list[int]:
        sums = [0] * (1 << len(values))
        for mask in range(1, len(sums)):
            low = mask & -mask
            sums[mask] = sums[mask ^ low] + values[low.bit_length() - 1]
        return sums

    def _masks(self) -> range | list[int]:
        return [m for m in range(len(self.cost)) if m & self.must == self.must and not m & self.excluded]

    def shortfalls(self, mask: int) -> tuple[int, int]:
        """(dollars, proposals) by which the subset misses the limits."""
        dollars = proposals = 0
        for members, side, bound, _ in self.limits:
            inside = mask & members
            value = self.cost[inside] if side.endswith("amount") else self.count[inside]
            short = max(value - bound, 0) if side.startswith("max") else max(bound - value, 0)
            if side.endswith("amount"):
                dollars += short
            else:
                proposals += short
        return dollars, proposals

    def best(self) -> Best | None:
        """The feasible subset with the most score, then the least cost; None when there is none."""
        found = None
        for mask in self._masks():
            if self.shortfalls(mask) != (0, 0):
                continue
            key = (self.score[mask], -self.cost[mask])
            if found is None or key > found[0]:
                found = (key, mask)
        if found is None:
            return None
        (score, cost), mask = found
        return Best(score, -cost, frozenset(pid for i, pid in enumerate(self.ids) if mask >> i & 1))

    def least_relaxation(self) -> Relaxation:
        dollars, proposals = min(self.shortfalls(mask) for mask in self._masks())
        return Relaxation(dollars, proposals)

    def _mask(self, chosen: set[str] | frozenset[str]) -> int:
        return sum(1 << i for i, pid in enumerate(self.ids) if pid in chosen)

    def evaluate(self, chosen: set[str] | frozenset[str]) -> tuple[int, int, tuple[int, int]]:
        """(score in tenths, cost, shortfalls) of a given selection."""
        mask = self._mask(chosen)
        return self.score[mask], self.cost[mask], self.shortfalls(mask)

    def broken_upper(self, chosen: set[str] | frozenset[str]) -> list[str]:
        """The ids of the upper limits (budget, max rules) the selection breaks: rules in order, then the budget."""
        mask = self._mask(chosen)
        broken = []
        for members, side, bound, limit_id in self.limits:
            value = self.cost[mask & members] if side == "max_amount" else self.count[mask & members]
            if side.startswith("max") and value > bound and limit_id not in broken:
                broken.append(limit_id)
        return broken[1:] + broken[:1] if broken[:1] == ["budget"] else broken


# A big instance, shaped like the real thing, that HiGHS cannot prove optimal in a few seconds.
BIG_REGIONS = ["AF", "EAP", "EUR", "NEA", "SCA", "WHA"]
BIG_PRIORITIES = ["prosecution", "protection", "prevention", "partnership"]
BIG_TYPES = ["bilateral", "regional", "cpc", "ttaa", "eva"]


def hard_problem(n: int = 10_000, seed: int = 7) -> dict[str, Any]:
    """Realistic costs and one-decimal scores: HiGHS needs about 14 s to prove 10,000 optimal."""
    rng = random.Random(seed)
    proposals = [
        {
            "id": f"P-{i:05d}",
            "cost": int(min(3_000_000, max(100_000, rng.lognormvariate(13.6, 0.6)))),
            "score": round(rng.uniform(50, 100), 1),
            "key": {
                "region": rng.choice(BIG_REGIONS),
                "priority": rng.choice(BIG_PRIORITIES),
                "type": rng.choice(BIG_TYPES),
            },
        }
        for i in range(n)
    ]
    budget = round(sum(p["cost"] for p in proposals) * 0.3)
    rules: list[dict[str, Any]] = [
        {"id": f"{r}-range", "where": {"region": [r]}, "min_amount": budget // 10, "max_amount": budget // 4}
        for r in BIG_REGIONS
    ]
    rules += [{"id": f"{t}-cap", "where": {"type": [t]}, "max_amount": budget * 3 // 10} for t in BIG_TYPES]
    rules += [{"id": f"{p}-count", "where": {"priority": [p]}, "min_count": n // 20} for p in BIG_PRIORITIES]
    return {"format": "selection-problem/1", "proposals": proposals, "budget": budget, "rules": rules}


def stalled_stages(spec, solver, ends_at, send, tmp_dir=None, *, found=(), cbc=None, reported=None) -> None:
    """A stand-in for planner.selection_model.solve_stages (run in the worker) that reports
    ``found`` — events a real solve sent — and then never ends: a solver that can't prove
    its answer by the deadline, however fast the machine. With ``cbc`` (the program's path)
    a real CBC process is waiting in the worker's temporary directory before anything is
    reported, so the parent's answer proves it ran; the kill at the deadline must take it too.
    ``reported`` (a multiprocessing Event) is set once everything is sent.
    """
    if cbc is not None:
        process = subprocess.Popen(
            [cbc, "-directory", tmp_dir, "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert process.stdout is not None
        for line in process.stdout:  # CBC waits for commands (its stdin stays open) once it says so
            if "line mode" in line:
                break
    for event in found:
        send(event)
    if reported is not None:
        reported.set()  # after the sends: the parent reads them before it sees its deadline pass
    threading.Event().wait()  # never set: only the kill at the deadline ends this
