"""The selection against brute force on small random problems: the best score, then the
lowest cost; and, when nothing is feasible, the least relaxation (dollars, then proposals)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_planner_selection_helpers import BruteForce, run

from planner import SelectionResult

REGIONS = ["AF", "EAP", "EUR"]
PRIORITIES = ["x", "y"]


@st.composite
def problems(draw: st.DrawFn, max_size: int = 14, feasible_budget: bool = False) -> dict[str, Any]:
    n = draw(st.integers(1, max_size))
    # Few distinct scores and round costs, so that equal total scores at different costs are common.
    scores = st.sampled_from([0, 1, 2, 2.5, 3, 4, 5, 7.5, 10, 12.3])
    proposals = [
        {
            "id": f"P{i:02d}",
            "cost": draw(st.integers(0, 20)) * 10_000 + draw(st.sampled_from([0, 0, 1, 999])),
            "score": draw(scores),
            "key": {"region": draw(st.sampled_from(REGIONS)), "priority": draw(st.sampled_from(PRIORITIES))},
        }
        for i in range(n)
    ]
    total = sum(p["cost"] for p in proposals)
    budget = draw(st.integers(0, total)) if total else 0
    rules = [_rule(draw, r, proposals) for r in range(draw(st.integers(0, 3)))]
    ids = [p["id"] for p in proposals]
    must = draw(st.lists(st.sampled_from(ids), max_size=2, unique=True))
    exclude = draw(st.lists(st.sampled_from([i for i in ids if i not in must] or ["-"]), max_size=2, unique=True))
    exclude = [i for i in exclude if i != "-"]
    return {
        "format": "selection-problem/1",
        "proposals": proposals,
        "budget": budget,
        "rules": rules,
        "must_fund": must,
        "exclude": exclude,
    }


def _rule(draw: st.DrawFn, r: int, proposals: list[dict[str, Any]]) -> dict[str, Any]:
    where: dict[str, list[str]] = {}
    if draw(st.booleans()):
        where["region"] = draw(st.lists(st.sampled_from(REGIONS), min_size=1, unique=True))
    if draw(st.booleans()):
        where["priority"] = draw(st.lists(st.sampled_from(PRIORITIES), min_size=1, unique=True))
    covered = [p for p in proposals if all(p["key"][d] in v for d, v in where.items())]
    amount = sum(p["cost"] for p in covered)
    data: dict[str, Any] = {"id": f"r{r}", "where": where}
    for side in draw(st.lists(st.sampled_from(["min_amount", "max_amount", "min_count", "max_count"]), min_size=1)):
        data[side] = draw(st.integers(0, amount)) if side.endswith("amount") else draw(st.integers(0, len(covered)))
    for low, high in (("min_amount", "max_amount"), ("min_count", "max_count")):
        if low in data and high in data and data[high] < data[low]:
            data[low], data[high] = data[high], data[low]
    return data


def check(data: dict[str, Any], solver: str | None = None) -> None:
    brute = BruteForce(data)
    best = brute.best()
    result = run(data, solver)
    if best is None:
        assert result.status == "infeasible", result.messages
        least = brute.least_relaxation()
        dollars = sum(c.relaxed_by for c in result.conflicts if c.unit == "dollars")
        proposals = sum(c.relaxed_by for c in result.conflicts if c.unit == "proposals")
        assert (dollars, proposals) == (least.dollars, least.proposals), result.conflicts
        assert "The least relaxation" in result.messages[-1]
        return
    assert result.status == "optimal", result.messages
    score, cost, short = brute.evaluate(set(result.selected))
    assert short == (0, 0)
    assert (score, cost) == (best.score, best.cost), (result.selected, sorted(best.chosen))
    assert result.objective * 10 == best.score
    assert result.total_cost == best.cost
    assert result.gap == 0.0
    check_reasons(data, brute, result)


def check_reasons(data: dict[str, Any], brute: BruteForce, result: SelectionResult) -> None:
    """Every proposal out that scores above the lowest selected one is listed, with the first
    limit (max rules in order, then the budget) that adding it would break."""
    scores = {p["id"]: Decimal(str(p["score"])) for p in data["proposals"]}
    chosen = set(result.selected)
    lowest = min((scores[i] for i in chosen), default=Decimal(0))
    assert [u.id for u in result.unfunded] == sorted(
        (i for i in scores if i not in chosen and scores[i] > lowest), key=lambda i: (-scores[i], i)
    )
    binding = {b.id for b in result.binding}
    for item in result.unfunded:
        if item.id in data.get("exclude", []):
            assert item.reason == "exclude"
            continue
        broken = brute.broken_upper(chosen | {item.id})
        assert broken, "at an optimum, adding a proposal that scores above zero breaks something"
        assert item.reason == broken[0]
        assert item.reason in binding


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_highs_matches_brute_force(data: dict[str, Any]) -> None:
    check(data, "highs")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_size=10))
def test_cbc_matches_brute_force(data: dict[str, Any]) -> None:
    check(data, "cbc")


@pytest.mark.parametrize("seed", range(8))
def test_fourteen_proposals_with_many_equal_scores(seed: int) -> None:
    """Seeded instances at the largest size, where ties on the score decide on cost."""
    import random

    rng = random.Random(seed)
    proposals = [
        {
            "id": f"P{i:02d}",
            "cost": rng.randrange(10, 60) * 1_000,
            "score": rng.choice([5, 5, 7.5, 10]),
            "key": {"region": rng.choice(REGIONS), "priority": rng.choice(PRIORITIES)},
        }
        for i in range(14)
    ]
    rules = [
        {"id": "af-max", "where": {"region": ["AF"]}, "max_amount": 90_000},
        {"id": "x-count", "where": {"priority": ["x"]}, "min_count": 2, "max_count": 5},
    ]
    data = {"format": "selection-problem/1", "proposals": proposals, "budget": 250_000, "rules": rules}
    check(data)
