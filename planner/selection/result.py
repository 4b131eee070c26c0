"""The selection result (``selection-result/1``): immutable dataclasses and their JSON."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from planner.errors import Infeasible, PlannerError, TimeLimitReached
from planner.money import dollars, json_amount

FORMAT = "selection-result/1"

Status = Literal["optimal", "infeasible", "time_limit"]
Unit = Literal["dollars", "proposals"]


@dataclass(frozen=True)
class SelectionBinding:
    """A limit the selection is at: one proposal more (or, for a floor, one fewer) would break it.

    A MIP has no shadow prices; ``limit`` and ``value`` say how close it is instead.
    """

    id: str  # the rule id, or "budget"
    kind: Literal["budget", "rule"]
    label: str
    side: str  # min_amount, max_amount, min_count, max_count
    limit: Decimal  # dollars or proposals, as the side says
    value: Decimal  # what the selection puts against it
    explanation: str


@dataclass(frozen=True)
class SelectionConflict:
    """One side of a limit the least relaxation moves: dollars for amounts, proposals for counts."""

    id: str
    kind: Literal["budget", "rule"]
    label: str
    side: str
    relaxed_by: Decimal
    unit: Unit


@dataclass(frozen=True)
class Unfunded:
    """A proposal left out that scores above the lowest selected one, and what kept it out."""

    id: str
    score: Decimal
    reason: str  # "budget", a rule id, "exclude"; "time_limit" or "gap" when the selection is not proven


@dataclass(frozen=True)
class SelectionResult:
    status: Status
    objective: Decimal | None  # the selection's total score
    selected: tuple[str, ...] = ()  # in input order
    total_cost: Decimal | None = None
    gap: float | None = None  # relative gap on the total score; 0 when proven, None when unknown
    binding: tuple[SelectionBinding, ...] = ()
    conflicts: tuple[SelectionConflict, ...] = ()
    unfunded: tuple[Unfunded, ...] = ()
    messages: tuple[str, ...] = ()
    solver: str = ""
    seconds: float = 0.0  # the whole call, from problem to result
    timings: Mapping[str, float] = field(default_factory=dict)  # seconds per stage, for benchmarks

    @property
    def optimal(self) -> bool:
        return self.status == "optimal"

    def ensure_optimal(self) -> SelectionResult:
        """This result if optimal; else raise ``Infeasible`` or ``TimeLimitReached`` carrying it."""
        if self.status == "infeasible":
            raise SelectionInfeasible(self)
        if self.status == "time_limit":
            raise SelectionTimeLimitReached(self)
        return self

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "status": self.status,
            "objective": None if self.objective is None else json_amount(self.objective),
            "selected": list(self.selected),
            "total_cost": None if self.total_cost is None else json_amount(self.total_cost),
            "gap": self.gap,
            "binding": [
                {
                    "id": b.id,
                    "kind": b.kind,
                    "label": b.label,
                    "side": b.side,
                    "limit": json_amount(b.limit),
                    "value": json_amount(b.value),
                    "explanation": b.explanation,
                }
                for b in self.binding
            ],
            "conflicts": [
                {
                    "id": c.id,
                    "kind": c.kind,
                    "label": c.label,
                    "side": c.side,
                    "relaxed_by": json_amount(c.relaxed_by),
                    "unit": c.unit,
                }
                for c in self.conflicts
            ],
            "unfunded": [{"id": u.id, "score": json_amount(u.score), "reason": u.reason} for u in self.unfunded],
            "messages": list(self.messages),
            "solver": {"name": self.solver, "seconds": round(self.seconds, 3)},
        }


def _relaxation(conflict: SelectionConflict) -> str:
    if conflict.unit == "dollars":
        return f"{conflict.id} by {dollars(conflict.relaxed_by)}"
    return f"{conflict.id} by {conflict.relaxed_by} proposal(s)"


class SelectionInfeasible(Infeasible):
    """``Infeasible`` for a selection: the message names counts in proposals, amounts in dollars."""

    def __init__(self, result: SelectionResult) -> None:
        names = ", ".join(_relaxation(c) for c in result.conflicts)
        PlannerError.__init__(self, f"no selection keeps every limit; the least relaxation: {names or 'unknown'}")
        self.result = result  # type: ignore[assignment]


class SelectionTimeLimitReached(TimeLimitReached):
    def __init__(self, result: SelectionResult) -> None:
        PlannerError.__init__(self, "the solver stopped at the time limit before proving an optimum")
        self.result = result  # type: ignore[assignment]
