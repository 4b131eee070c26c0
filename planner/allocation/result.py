"""The allocation result (``allocation-result/1``): immutable records and their JSON.

Each dataclass has a docstring: without one, ``dataclass`` writes one from
``inspect.signature``, which a cold ``python -m planner solve`` pays for at import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, NamedTuple

from planner.allocation.problem import Key
from planner.errors import Infeasible, TimeLimitReached
from planner.money import json_amount

FORMAT = "allocation-result/1"

Status = Literal["optimal", "infeasible", "time_limit"]


class Allocation(NamedTuple):
    """What one fund gives one cell, in whole dollars. (A result has one per pair with
    money: a NamedTuple, made in a third of a frozen dataclass's time.)"""

    key: Key
    fund: str
    amount: int


class CellTotal(NamedTuple):
    """What a cell receives from all funds, in whole dollars."""

    key: Key
    total: int


@dataclass(frozen=True)
class FundTotal:
    """What a fund has and what it gives, in dollars."""

    id: str
    available: Decimal
    allocated: int

    @property
    def unallocated(self) -> Decimal:
        return self.available - self.allocated


@dataclass(frozen=True)
class Binding:
    """A constraint that holds with equality at the optimum."""

    id: str
    kind: str  # fund | cell_min | cell_max | rule
    label: str
    side: str  # which bound: available, spend_all, min, max, min_share, max_share
    shadow_price: float | None  # d(objective)/d(bound) per dollar; None when the solver gave none
    explanation: str


@dataclass(frozen=True)
class Conflict:
    """One side of a constraint the least relaxation moves, and by how many dollars."""

    id: str
    kind: str
    label: str
    side: str
    relaxed_by: int


@dataclass(frozen=True)
class Result:
    """An allocation-result/1: the status, the allocation and why it is so."""

    status: Status
    objective: float | None
    allocations: tuple[Allocation, ...] = ()
    cells: tuple[CellTotal, ...] = ()
    funds: tuple[FundTotal, ...] = ()
    binding: tuple[Binding, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    messages: tuple[str, ...] = ()
    solver: str = ""
    seconds: float = 0.0  # the whole solve, from problem to result
    timings: Mapping[str, float] = field(default_factory=dict)  # phases, for benchmarks

    @property
    def optimal(self) -> bool:
        return self.status == "optimal"

    def ensure_optimal(self) -> Result:
        """This result if optimal; else raise ``Infeasible`` or ``TimeLimitReached``."""
        if self.status == "infeasible":
            raise Infeasible(self)
        if self.status == "time_limit":
            raise TimeLimitReached(self)
        return self

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "status": self.status,
            "objective": self.objective,
            "allocations": [{"key": dict(a.key), "fund": a.fund, "amount": a.amount} for a in self.allocations],
            "cells": [{"key": dict(c.key), "total": c.total} for c in self.cells],
            "funds": [
                {
                    "id": f.id,
                    "available": json_amount(f.available),
                    "allocated": f.allocated,
                    "unallocated": json_amount(f.unallocated),
                }
                for f in self.funds
            ],
            "binding": [
                {
                    "id": b.id,
                    "kind": b.kind,
                    "label": b.label,
                    "side": b.side,
                    "shadow_price": b.shadow_price,
                    "explanation": b.explanation,
                }
                for b in self.binding
            ],
            "conflicts": [
                {"id": c.id, "kind": c.kind, "label": c.label, "side": c.side, "relaxed_by": c.relaxed_by}
                for c in self.conflicts
            ],
            "messages": list(self.messages),
            "solver": {"name": self.solver, "seconds": round(self.seconds, 3)},
        }
