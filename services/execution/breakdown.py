"""Plan against actual broken down: by division, by object class, and through awards by region and priority.

Each table has a row per group and a Total row. A row's figures, as of a date (including it):

- planned: the whole period's plan, the exact sum of the group's lines (whole cents already);
- planned to date: the group's share of the plan through the as-of month. The appropriation's
  planned to date is the figure the month table shows (its cumulative planned at the as-of month;
  the whole plan once the as-of date is after the period, nothing before it), and that shown figure
  is split among the groups in proportion to their exact (unrounded) plan to date
  (`spend_plan.split_cents`, largest remainder). So the rows add up to the month table's figure to
  the cent, and the Total row is that figure;
- obligated and expended to date: the sums of the appropriation's transactions posted on or before
  the as-of date (adjustments after expiry included, as in the totals), so each table's rows add up
  to the appropriation's obligated and expended;
- unliquidated = obligated − expended; variance = obligated − planned to date, in dollars and as a
  percentage of planned to date, highlighted beyond the office's variance threshold.

By division and by object class, the plan groups by the lines' division and object class and the
actuals by the transactions'; a transaction with no division is "Office-wide".

By region and by priority, the plan groups by the lines' region and priority ("No region", "No
priority" where a line has none). The actuals count "through awards": a transaction whose document
number is an award's number counts for that award's region and priority. An award carries exactly
one region and one priority (`Award.region_id`, `Award.priority_id`, both required; its countries
lie inside its region), so its actuals go to them whole and nothing needs splitting. Transactions
naming no award ("Not through an award": travel, staffing, contracts, unmatched documents) are a
row of their own, so the rows still add up to the appropriation's obligated and expended.

Pure queries: one for the actuals of all four tables (grouped by division, object class and the
award's region and priority), one for each table's names, and the spend plan's. Nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction

import sqlalchemy as sa

from models import ActualTransaction, Appropriation, Award, Division, ObjectClass, Priority, Region, Scenario, db
from services.execution.figures import Execution, beyond_threshold, execution_of, percent_of
from services.execution.posted import posted
from services.execution.spend_plan import Month, PhasedLines, PlanLine, phased_lines, split_cents

OFFICE_WIDE = "Office-wide"
NO_REGION = "No region"
NO_PRIORITY = "No priority"
NOT_THROUGH_AN_AWARD = "Not through an award"

# Group keys: a record's id, or one of these for the rows that name no record.
_NONE = ("none",)  # no division (actuals), no region or priority (lines)
_NO_AWARD = ("no award",)  # actuals naming no award


@dataclass(frozen=True)
class BreakdownRow:
    id: int | None  # the division's, object class's, region's or priority's; None for the other rows
    name: str
    planned_cents: int
    planned_to_date_cents: int
    obligated_cents: int
    expended_cents: int
    threshold_percent: Decimal

    @property
    def unliquidated_cents(self) -> int:
        return self.obligated_cents - self.expended_cents

    @property
    def variance_cents(self) -> int:
        """Obligated to date less planned to date: negative is behind plan."""
        return self.obligated_cents - self.planned_to_date_cents

    @property
    def variance_percent(self) -> Decimal | None:
        return percent_of(self.variance_cents, self.planned_to_date_cents)

    @property
    def is_off_plan(self) -> bool:
        return beyond_threshold(self.variance_cents, self.planned_to_date_cents, self.threshold_percent)


@dataclass(frozen=True)
class BreakdownTable:
    rows: tuple[BreakdownRow, ...]
    total: BreakdownRow


@dataclass(frozen=True)
class Breakdown:
    by_division: BreakdownTable
    by_object_class: BreakdownTable
    by_region: BreakdownTable
    by_priority: BreakdownTable


@dataclass
class _Group:
    planned: int = 0
    to_date: Fraction = Fraction(0)
    obligated: int = 0
    expended: int = 0


@dataclass(frozen=True)
class _Posted:
    """One group of the appropriation's transactions to date."""

    division_id: int | None
    object_class_id: int
    region_id: int | None  # the award's; None when the document names no award
    priority_id: int | None
    obligated_cents: int
    expended_cents: int


def _posted(appropriation_id: int, as_of: dt.date) -> list[_Posted]:
    """The transactions to date grouped by division, object class and their award's region and priority.

    By division and object class from the monthly sums (services/execution/posted.py); what names an
    award from the awards' numbers along the index that starts with the document number (a few rows
    an award, never every transaction); the rest of each division and object class, "not through an
    award", is the difference, so the rows add up to the appropriation's totals.
    """
    # By document first, looked up from the awards' numbers (IN, not a join, which SQLite would drive
    # from the transactions); then the few documents take their award's region and priority.
    by_document = (
        sa.select(
            ActualTransaction.document_number,
            ActualTransaction.division_id,
            ActualTransaction.object_class_id,
            sa.func.sum(ActualTransaction.obligation_cents).label("obligated"),
            sa.func.sum(ActualTransaction.expenditure_cents).label("expended"),
        )
        .where(
            ActualTransaction.document_number.in_(sa.select(Award.number)),
            ActualTransaction.appropriation_id == appropriation_id,
            ActualTransaction.posted_on <= as_of,
        )
        .group_by(ActualTransaction.document_number, ActualTransaction.division_id, ActualTransaction.object_class_id)
        .subquery()
    )
    award_rows = db.session.execute(
        sa.select(
            by_document.c.division_id,
            by_document.c.object_class_id,
            Award.region_id,
            Award.priority_id,
            sa.func.sum(by_document.c.obligated),
            sa.func.sum(by_document.c.expended),
        )
        .join(Award, Award.number == by_document.c.document_number)
        .group_by(by_document.c.division_id, by_document.c.object_class_id, Award.region_id, Award.priority_id)
    ).all()
    rows = [
        _Posted(division_id, object_class_id, region_id, priority_id, int(obligated), int(expended))
        for division_id, object_class_id, region_id, priority_id, obligated, expended in award_rows
    ]
    through_awards: dict[tuple[int | None, int], tuple[int, int]] = {}
    for row in rows:
        obligated, expended = through_awards.get((row.division_id, row.object_class_id), (0, 0))
        through_awards[row.division_id, row.object_class_id] = (
            obligated + row.obligated_cents,
            expended + row.expended_cents,
        )
    for key, (obligated, expended) in posted(
        as_of, appropriation_ids=[appropriation_id], by=["division_id", "object_class_id"]
    ).items():
        awards_obligated, awards_expended = through_awards.get(key, (0, 0))
        rest = (obligated - awards_obligated, expended - awards_expended)
        if rest != (0, 0) or key not in through_awards:
            rows.append(_Posted(*key, None, None, *rest))
    return rows


def _names(query: Callable[[set[int]], sa.Select], ids: set[int]) -> list[tuple[int, str]]:
    """(id, name) of the records among `ids`, in the query's order; no query when there are none."""
    return [] if not ids else [(record_id, name) for record_id, name in db.session.execute(query(ids))]


def _table(
    lines: Iterable[tuple[PlanLine, Fraction]],
    line_key: Callable[[PlanLine], Hashable],
    posted: Iterable[_Posted],
    posted_key: Callable[[_Posted], Hashable],
    names_query: Callable[[set[int]], sa.Select],
    other_names: dict[Hashable, str],
    planned_to_date_cents: int,
    threshold: Decimal,
) -> BreakdownTable:
    groups: dict[Hashable, _Group] = {}
    for line, to_date in lines:
        group = groups.setdefault(line_key(line), _Group())
        group.planned += line.amount_cents
        group.to_date += to_date
    for row in posted:
        group = groups.setdefault(posted_key(row), _Group())
        group.obligated += row.obligated_cents
        group.expended += row.expended_cents
    named = _names(names_query, {key for key in groups if isinstance(key, int)})
    order: list[tuple[Hashable, int | None, str]] = [(record_id, record_id, name) for record_id, name in named]
    order += [(key, None, name) for key, name in other_names.items() if key in groups]
    to_date = split_cents(planned_to_date_cents, [groups[key].to_date for key, _id, _name in order])
    rows = tuple(
        BreakdownRow(
            record_id,
            name,
            groups[key].planned,
            shown,
            groups[key].obligated,
            groups[key].expended,
            threshold,
        )
        for (key, record_id, name), shown in zip(order, to_date, strict=True)
    )
    total = BreakdownRow(
        None,
        "Total",
        sum(row.planned_cents for row in rows),
        planned_to_date_cents,
        sum(row.obligated_cents for row in rows),
        sum(row.expended_cents for row in rows),
        threshold,
    )
    return BreakdownTable(rows, total)


def _none_or(value: int | None) -> Hashable:
    return _NONE if value is None else value


def breakdown_of(execution: Execution, phased: PhasedLines) -> Breakdown:
    """The four tables for the execution's appropriation, scenario and as-of date (`phased`: its lines)."""
    as_of_month = Month.of(execution.as_of)
    planned_to_date = sum(row.planned_cents for row in execution.months if row.month <= as_of_month)
    lines = [
        (
            phased_line.line,
            sum((cents for month, cents in phased_line.exact_cents.items() if month <= as_of_month), Fraction(0)),
        )
        for phased_line in phased.lines
    ]
    posted = _posted(execution.appropriation.id, execution.as_of)

    def table(line_key, posted_key, names_query, other_names) -> BreakdownTable:
        return _table(
            lines,
            line_key,
            posted,
            posted_key,
            names_query,
            other_names,
            planned_to_date,
            execution.variance_threshold_percent,
        )

    def through_award(value: int | None) -> Hashable:
        return _NO_AWARD if value is None else value

    return Breakdown(
        by_division=table(
            lambda line: line.division_id,
            lambda row: _none_or(row.division_id),
            lambda ids: sa.select(Division.id, Division.name).where(Division.id.in_(ids)).order_by(Division.name),
            {_NONE: OFFICE_WIDE},
        ),
        by_object_class=table(
            lambda line: line.object_class_id,
            lambda row: row.object_class_id,
            lambda ids: (
                sa.select(ObjectClass.id, ObjectClass.code + " " + ObjectClass.title)
                .where(ObjectClass.id.in_(ids))
                .order_by(ObjectClass.code)
            ),
            {},
        ),
        by_region=table(
            lambda line: _none_or(line.region_id),
            lambda row: through_award(row.region_id),
            lambda ids: sa.select(Region.id, Region.name).where(Region.id.in_(ids)).order_by(Region.name),
            {_NONE: NO_REGION, _NO_AWARD: NOT_THROUGH_AN_AWARD},
        ),
        by_priority=table(
            lambda line: _none_or(line.priority_id),
            lambda row: through_award(row.priority_id),
            lambda ids: (
                sa.select(Priority.id, Priority.name)
                .where(Priority.id.in_(ids))
                .order_by(Priority.sort_order, Priority.name)
            ),
            {_NONE: NO_PRIORITY, _NO_AWARD: NOT_THROUGH_AN_AWARD},
        ),
    )


def execution_with_breakdown(appropriation: Appropriation, scenario: Scenario | None, as_of: dt.date) -> Execution:
    """`execution_of`, with its `breakdown` filled: what the execution page and API show."""
    phased = phased_lines(appropriation, scenario, as_of)
    execution = execution_of(appropriation, scenario, as_of, phased)
    return replace(execution, breakdown=breakdown_of(execution, phased))
