"""Reading a saved run for people: the region × priority matrix, funds, and sensitivity."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from decimal import Decimal

import sqlalchemy as sa

import planner
from exports.charts import LineChart, line_chart
from models import AllocationRun, Scenario, db
from money import to_cents
from services.allocation.problems import last_year_by_cell
from services.allocation.runs import parse
from services.errors import ValidationError


@dataclass(frozen=True)
class Matrix:
    rows: list[str]
    columns: list[str]
    cells: dict[tuple[str, str], int]  # cents

    def row_total(self, row: str) -> int:
        return sum(self.cells.get((row, column), 0) for column in self.columns)

    def column_total(self, column: str) -> int:
        return sum(self.cells.get((row, column), 0) for row in self.rows)

    @property
    def total(self) -> int:
        return sum(self.cells.values())


def run_query(scenario: Scenario) -> sa.Select[tuple[AllocationRun]]:
    """A scenario's allocation runs, newest first."""
    return sa.select(AllocationRun).where(AllocationRun.scenario_id == scenario.id).order_by(AllocationRun.id.desc())


def list_runs(scenario: Scenario) -> list[AllocationRun]:
    return list(db.session.scalars(run_query(scenario)))


def _matrix(cells: list[dict], row_dim: str, column_dim: str) -> Matrix:
    sums: dict[tuple[str, str], int] = defaultdict(int)
    rows, columns = [], []
    for cell in cells:
        row, column = cell["key"].get(row_dim, "—"), cell["key"].get(column_dim, "—")
        sums[(row, column)] += _cents(cell["total"])
        rows.append(row)
        columns.append(column)
    return Matrix(list(dict.fromkeys(rows)), list(dict.fromkeys(columns)), dict(sums))


def region_priority_matrix(run: AllocationRun) -> Matrix:
    return _matrix(run.result.get("cells", []), "region", "priority")


def _cents(amount: int | float) -> int:
    """An amount of a result's JSON in cents: a float there is a decimal written as a JSON number
    (planner.json_amount), read back from its shortest text, never multiplied as a float."""
    return to_cents(Decimal(str(amount)))


def detail_rows(run: AllocationRun) -> list[dict]:
    """Every cell with its key and total (and `total_cents`), for "program types on demand"."""
    return sorted(
        ({**c, "total_cents": _cents(c["total"])} for c in run.result.get("cells", []) if c["total"]),
        key=lambda c: tuple(str(v) for v in c["key"].values()),
    )


def fund_rows(run: AllocationRun) -> list[dict]:
    """Each fund's label, and its available, allocated and unallocated amounts in cents."""
    labels = {fund["id"]: fund.get("label", fund["id"]) for fund in run.problem.get("funds", [])}
    return [
        {
            **fund,
            "label": labels.get(fund["id"], fund["id"]),
            **{f"{part}_cents": _cents(fund[part]) for part in ("available", "allocated", "unallocated")},
        }
        for fund in run.result.get("funds", [])
    ]


@dataclass(frozen=True)
class ConflictRow:
    label: str
    side: str
    relaxed_by_cents: int


@dataclass(frozen=True)
class Relaxation:
    """An infeasible run's conflicts: the rules to relax, by how much, and the least total."""

    rows: list[ConflictRow]

    @property
    def total_cents(self) -> int:
        return sum(row.relaxed_by_cents for row in self.rows)


def relaxation(run: AllocationRun) -> Relaxation:
    return Relaxation(
        [
            ConflictRow(c["label"], c["side"].replace("_", " "), _cents(c["relaxed_by"]))
            for c in run.result.get("conflicts", [])
        ]
    )


SWEEP_STEPS = 7  # levels a sweep solves: 70%, 80%, ... 130% by default


@dataclass(frozen=True)
class Sensitivity:
    fund: str
    scales: list[Decimal]
    available: list[int]
    statuses: list[str]
    by_region: dict[str, list[int]]
    by_priority: dict[str, list[int]]

    def to_json(self) -> dict:
        """As a sweep job keeps it (scales as decimal strings)."""
        return asdict(self) | {"scales": [str(scale) for scale in self.scales]}

    @classmethod
    def from_json(cls, data: dict) -> Sensitivity:
        return cls(**(data | {"scales": [Decimal(scale) for scale in data["scales"]]}))

    @property
    def labels(self) -> list[str]:
        """Each point's level, as a percentage of the fund."""
        return [f"{scale * 100:.0f}%" for scale in self.scales]

    @property
    def available_cents(self) -> list[int]:
        return [dollars * 100 for dollars in self.available]

    @property
    def region_chart(self) -> LineChart:
        return self._chart("Total by region", self.by_region)

    @property
    def priority_chart(self) -> LineChart:
        return self._chart("Total by priority", self.by_priority)

    def _chart(self, title: str, totals: dict[str, list[int]]) -> LineChart:
        cents = {name: [dollars * 100 for dollars in row] for name, row in totals.items()}
        return line_chart(title, self.labels, cents)


def sensitivity(
    run: AllocationRun,
    fund_id: str,
    low: Decimal,
    high: Decimal,
    steps: int = SWEEP_STEPS,
    on_point: Callable[[int, int], None] | None = None,
) -> Sensitivity:
    """How each region's and priority's total moves as one fund goes from `low` to `high` of its level."""
    problem = parse(run.problem)
    try:
        curve = planner.sweep(problem, fund_id, low, high, steps, on_point=on_point)
    except planner.InvalidProblem as exc:
        raise ValidationError(str(exc), fields={"fund": str(exc)}) from exc
    by_region: dict[str, list[int]] = defaultdict(lambda: [0] * len(curve.points))
    by_priority: dict[str, list[int]] = defaultdict(lambda: [0] * len(curve.points))
    for index, point in enumerate(curve.points):
        for cell in point.result.cells:
            key = dict(cell.key)
            by_region[key.get("region", "—")][index] += cell.total
            by_priority[key.get("priority", "—")][index] += cell.total
    return Sensitivity(
        fund=fund_id,
        scales=[p.scale for p in curve.points],
        available=[int(p.available) for p in curve.points],
        statuses=[p.result.status for p in curve.points],
        by_region=dict(by_region),
        by_priority=dict(by_priority),
    )


@dataclass(frozen=True)
class TargetsSummary:
    """What a `targets` run achieved, in dollars a manager reads (not the objective's number)."""

    total_cents: int  # allocated in all
    targets_cents: int  # the targets' total
    off_target_cents: int  # Σ |total − target| over the cells with a target
    cells_off_target: int  # cells more than rounding ($1 per fund) off their target
    last_year_cents: int | None  # last year's plan in these cells; None when not known
    added_cents: int = 0  # Σ of the increases over last year's plan
    added_cells: int = 0
    cut_cents: int = 0  # Σ of the decreases
    cut_cells: int = 0

    @property
    def change_cents(self) -> int | None:
        return None if self.last_year_cents is None else self.total_cents - self.last_year_cents


def targets_summary(run: AllocationRun) -> TargetsSummary | None:
    """A targets run's distance from its targets and, for a run built from settings, from last year's plan."""
    if run.problem.get("objective") != "targets" or not run.result.get("cells"):
        return None
    targets = {_key(c["key"]): c.get("target") for c in run.problem.get("cells", [])}
    totals: dict[tuple, int] = defaultdict(int)
    for cell in run.result["cells"]:
        totals[_key(cell["key"])] += _cents(cell["total"])
    rounding = 100 * len(run.problem.get("funds", []))
    off = [abs(totals.get(key, 0) - _cents(target)) for key, target in targets.items() if target is not None]
    summary = TargetsSummary(
        total_cents=sum(totals.values()),
        targets_cents=sum(_cents(t) for t in targets.values() if t is not None),
        off_target_cents=sum(off),
        cells_off_target=sum(1 for cents in off if cents > rounding),
        last_year_cents=None,
    )
    if run.settings is None:  # an uploaded problem: last year's plan is not known
        return summary
    by_program_type = any("program_type" in c["key"] for c in run.result["cells"])
    last_year = last_year_by_cell(run.scenario, by_program_type)
    if last_year is None:
        return summary
    changes = [totals.get(key, 0) - last_year.get(key, 0) for key in totals.keys() | last_year.keys()]
    return replace(
        summary,
        last_year_cents=sum(last_year.values()),
        added_cents=sum(c for c in changes if c > 0),
        added_cells=sum(1 for c in changes if c > 0),
        cut_cents=-sum(c for c in changes if c < 0),
        cut_cells=sum(1 for c in changes if c < 0),
    )


def _key(key: dict) -> tuple:
    """A cell's key as last_year_by_cell gives it: region, priority (and program type); the keys of a
    problem built from settings have no other dimension."""
    return tuple(key.get(d) for d in ("region", "priority", "program_type") if d in key) + tuple(
        (d, v) for d, v in key.items() if d not in ("region", "priority", "program_type")
    )
