"""Reading budget lines: filters, sorting, pages and totals, all computed in SQL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from models import (
    Appropriation,
    BudgetLine,
    BudgetLineSum,
    Country,
    Division,
    ObjectClass,
    Priority,
    ProgramType,
    Region,
    Scenario,
    db,
)
from services.paging import Page


@dataclass(frozen=True)
class LineFilter:
    scenario_id: int | None = None
    fiscal_year: int | None = None
    appropriation_id: int | None = None
    division_id: int | None = None
    object_class_id: int | None = None
    region_id: int | None = None
    country_id: int | None = None
    priority_id: int | None = None
    program_type_id: int | None = None
    source: str | None = None

    def conditions(self) -> list[sa.ColumnElement[bool]]:
        return [
            getattr(BudgetLine, f.name) == getattr(self, f.name)
            for f in fields(self)
            if getattr(self, f.name) not in (None, "")
        ]

    @property
    def is_empty(self) -> bool:
        return not self.conditions()


# A dimension: the line's column, the referenced model, how a record is named in the API (its code),
# and what pages call the dimension and a record of it (names, not codes).
@dataclass(frozen=True)
class Dimension:
    name: str
    column: sa.orm.InstrumentedAttribute
    model: type | None = None
    label: Callable[[Any], sa.ColumnElement] | None = None  # of the model or an alias of it
    title: str = ""
    display: Callable[[Any], str] | None = None  # a record as pages name it


DIMENSIONS: dict[str, Dimension] = {
    d.name: d
    for d in (
        Dimension("scenario", BudgetLine.scenario_id, Scenario, lambda s: s.name, "Scenario", lambda s: s.name),
        Dimension("fiscal_year", BudgetLine.fiscal_year, title="Fiscal year"),
        Dimension(
            "appropriation",
            BudgetLine.appropriation_id,
            Appropriation,
            lambda a: a.account_code + " FY" + sa.cast(a.fiscal_year, sa.String),  # INCLE FY2027
            "Appropriation (account and year)",
            lambda a: f"{a.account_code} FY{a.fiscal_year}",
        ),
        # The account across its fiscal years: a year's plan against last year's enacted, account by account.
        Dimension(
            "account",
            BudgetLine.appropriation_id,
            Appropriation,
            lambda a: a.account_code,
            "Account (every year of it)",
            lambda a: f"{a.account_code} {a.title}",
        ),
        Dimension("division", BudgetLine.division_id, Division, lambda d: d.code, "Division", lambda d: d.name),
        Dimension(
            "object_class", BudgetLine.object_class_id, ObjectClass, lambda o: o.code, "Object class", lambda o: o.label
        ),
        Dimension("region", BudgetLine.region_id, Region, lambda r: r.code, "Region", lambda r: r.name),
        Dimension("country", BudgetLine.country_id, Country, lambda c: c.iso3, "Country", lambda c: c.name),
        Dimension("priority", BudgetLine.priority_id, Priority, lambda p: p.code, "Priority", lambda p: p.name),
        Dimension(
            "program_type", BudgetLine.program_type_id, ProgramType, lambda p: p.code, "Program type", lambda p: p.name
        ),
        Dimension("source", BudgetLine.source, title="Source"),
        Dimension("stage", BudgetLine.stage, title="Stage"),
    )
}

SORT_KEYS = (
    "id",
    "amount",
    "fiscal_year",
    "description",
    *[name for name, d in DIMENSIONS.items() if d.model is not None and name not in ("scenario", "account")],
)


@dataclass(frozen=True)
class LinePage(Page[BudgetLine]):
    total_cents: int
    # In id order, the seek to the next and previous pages (`after=`, `before=`): the last and first
    # ids of this page, where there is such a page. Following them reads any page as fast as the first.
    next_after: int | None = None
    previous_before: int | None = None


def _sort_key(sort: str) -> tuple[str, bool]:
    """(a sort key, descending) from "key" or "-key"; an unknown key sorts by id."""
    key = sort.lstrip("-")
    if key not in SORT_KEYS:
        return "id", False
    return key, sort.startswith("-")


def _sorted(query: sa.Select, key: str, descending: bool) -> sa.Select:
    if key == "amount":
        column = BudgetLine.amount_cents
    elif key in ("id", "fiscal_year", "description"):
        column = getattr(BudgetLine, key)
    else:
        dimension = DIMENSIONS[key]
        alias = so.aliased(dimension.model)
        query = query.outerjoin(alias, dimension.column == alias.id)
        column = dimension.label(alias)
    order = column.desc() if descending else column.asc()
    if key == "id":
        return query.order_by(order)
    return query.order_by(order, BudgetLine.id.desc() if descending else BudgetLine.id.asc())


def _seek_ids(page_ids: sa.Select, descending: bool, per_page: int, after: int | None, before: int | None) -> list[int]:
    """In id order, the `per_page` ids after the id `after` (or before the id `before`): a seek along
    (scenario_id, id), however deep the page."""
    if after is not None:
        beyond = BudgetLine.id < after if descending else BudgetLine.id > after
        return list(db.session.scalars(_sorted(page_ids.where(beyond), "id", descending).limit(per_page)))
    behind = BudgetLine.id > before if descending else BudgetLine.id < before
    reversed_ids = db.session.scalars(_sorted(page_ids.where(behind), "id", not descending).limit(per_page))
    return list(reversed(list(reversed_ids)))


def _page_ids(page_ids: sa.Select, sort: str, page: int, per_page: int, count: int) -> list[int]:
    """The ids on page `page` (from 1) of `count` in the order `sort`.

    A page in the second half is read from the far end, in the opposite order, then turned round:
    the order is total (ties broken by id), so the same rows come back, and the last pages skip
    as few index entries as the first ones do."""
    key, descending = _sort_key(sort)
    offset = (page - 1) * per_page
    if count // 2 < offset < count:
        after_page = count - offset - per_page  # rows after this page (negative: a short last page)
        reversed_ids = db.session.scalars(
            _sorted(page_ids, key, not descending).limit(per_page + min(0, after_page)).offset(max(0, after_page))
        )
        return list(reversed(list(reversed_ids)))
    return list(db.session.scalars(_sorted(page_ids, key, descending).limit(per_page).offset(offset)))


# The filters the kept sums (BudgetLineSum) can answer, and the column of the sums each reads.
_SUM_KEYS = {
    "scenario_id": BudgetLineSum.scenario_id,
    "appropriation_id": BudgetLineSum.appropriation_id,
    "source": BudgetLineSum.source,
    "region_id": BudgetLineSum.region_key,
    "priority_id": BudgetLineSum.priority_key,
}


def _count_and_total(line_filter: LineFilter) -> tuple[int, int]:
    """How many lines the filter selects and their total in cents: from the kept sums when the
    filter names only what they are grouped by (a few rows), else from the lines."""
    named = {f.name: getattr(line_filter, f.name) for f in fields(line_filter)}
    named = {name: value for name, value in named.items() if value not in (None, "")}
    if named.keys() <= _SUM_KEYS.keys():
        query = sa.select(
            sa.func.coalesce(sa.func.sum(BudgetLineSum.line_count), 0),
            sa.func.coalesce(sa.func.sum(BudgetLineSum.amount_cents), 0),
        ).where(*(_SUM_KEYS[name] == getattr(value, "value", value) for name, value in named.items()))
    else:
        query = sa.select(
            sa.func.count(BudgetLine.id), sa.func.coalesce(sa.func.sum(BudgetLine.amount_cents), 0)
        ).where(*line_filter.conditions())
    count, total = db.session.execute(query).one()
    return int(count), int(total)


def list_lines(
    line_filter: LineFilter,
    *,
    sort: str = "id",
    page: int = 1,
    per_page: int = 50,
    after: int | None = None,
    before: int | None = None,
    with_references: bool = True,
) -> LinePage:
    """Page `page` of the lines the filter selects, in the order `sort`, with their count and total.

    In id order, `after` (the last id of the page before) or `before` (the first id of the page
    after) seeks the page instead of counting the rows ahead of it; `page` then only numbers it.
    `with_references`: load the records the lines name with them (what the page shows); the API
    names them by id, so it reads the lines alone."""
    conditions = line_filter.conditions()
    count, total = _count_and_total(line_filter)
    page = max(1, page)
    key, descending = _sort_key(sort)
    # Sort and slice ids alone, then load just those rows with their references:
    # joining every line to eight tables before sorting is what makes deep pages slow.
    page_ids = sa.select(BudgetLine.id).where(*conditions)
    if key == "id" and (after is not None or before is not None):
        ids = _seek_ids(page_ids, descending, per_page, after, before)
    else:
        ids = _page_ids(page_ids, sort, page, per_page, count)
    query = sa.select(BudgetLine).where(BudgetLine.id.in_(ids))
    if with_references:
        query = query.options(
            so.joinedload(BudgetLine.appropriation),
            so.joinedload(BudgetLine.division),
            so.joinedload(BudgetLine.object_class),
            so.joinedload(BudgetLine.region),
            so.joinedload(BudgetLine.country),
            so.joinedload(BudgetLine.priority),
            so.joinedload(BudgetLine.program_type),
        )
    by_id = {line.id: line for line in db.session.scalars(query).unique()}
    items = [by_id[i] for i in ids]
    pages = max(1, -(-count // per_page))
    in_id_order = key == "id" and bool(ids)
    return LinePage(
        items=items,
        page=page,
        per_page=per_page,
        total=count,
        total_cents=total,
        next_after=ids[-1] if in_id_order and page < pages else None,
        previous_before=ids[0] if in_id_order and page > 1 else None,
    )


def _labels(dimension: Dimension, ids: set) -> dict:
    """id → code for the few records a grouped result names (reference tables are small)."""
    ids = {i for i in ids if i is not None}
    if dimension.model is None or not ids:
        return {}
    model = dimension.model
    rows = db.session.execute(sa.select(model.id, dimension.label(model)).where(model.id.in_(ids)))
    return {record_id: label for record_id, label in rows}


def totals_by(line_filter: LineFilter, by: list[str]) -> list[dict]:
    """Sums grouped by dimension names; each row names the dimension by its code.

    Groups on the lines' own columns (which the covering indexes serve) and
    names the groups afterwards, rather than joining every line to every
    reference table.
    """
    unknown = [name for name in by if name not in DIMENSIONS]
    if unknown:
        raise KeyError(unknown[0])
    columns = [DIMENSIONS[name].column for name in by]
    query = (
        sa.select(*columns, sa.func.sum(BudgetLine.amount_cents)).where(*line_filter.conditions()).group_by(*columns)
    )
    grouped = db.session.execute(query).all()
    labels = {name: _labels(DIMENSIONS[name], {row[i] for row in grouped}) for i, name in enumerate(by)}
    rows = []
    for row in grouped:
        mapping: dict = {}
        for i, name in enumerate(by):
            value = row[i]
            if DIMENSIONS[name].model is not None:
                value = labels[name].get(value)
            mapping[name] = value.value if hasattr(value, "value") else value
        mapping["amount_cents"] = int(row[-1] or 0)
        rows.append(mapping)
    rows = _folded(rows, by)  # an account's fiscal years are one group
    rows.sort(key=lambda r: tuple((r[name] is None, str(r[name])) for name in by))
    return rows


def _folded(rows: list[dict], by: list[str]) -> list[dict]:
    """Rows that name the same group (by code) summed into one."""
    folded: dict[tuple, dict] = {}
    for row in rows:
        key = tuple(row[name] for name in by)
        if key in folded:
            folded[key]["amount_cents"] += row["amount_cents"]
        else:
            folded[key] = dict(row)
    return list(folded.values())


def display_names(name: str, codes: set) -> dict:
    """code → what pages call it, for the groups of `totals_by` by the dimension `name`."""
    dimension = DIMENSIONS[name]
    codes = {code for code in codes if code is not None}
    if dimension.model is None:
        if name == "fiscal_year":
            return {code: f"FY{code}" for code in codes}
        return {code: str(code).replace("_", " ").capitalize() for code in codes}
    if not codes:
        return {}
    model = dimension.model
    names: dict = {}
    for code, record in db.session.execute(
        sa.select(dimension.label(model), model).where(dimension.label(model).in_(codes)).order_by(model.id.desc())
    ):
        names.setdefault(code, dimension.display(record))  # an account's newest year names it
    return names


def grand_total_cents(rows: list[dict]) -> int:
    """The total of totals_by's rows."""
    return sum(row["amount_cents"] for row in rows)


def region_priority_matrix(scenario_id: int) -> tuple[list[str], list[str], dict[tuple[str, str], int]]:
    """Program funds (object class 41.0 and all program lines) by region × priority, from the kept sums."""
    grouped = db.session.execute(
        sa.select(BudgetLineSum.region_key, BudgetLineSum.priority_key, sa.func.sum(BudgetLineSum.amount_cents))
        .where(BudgetLineSum.scenario_id == scenario_id, BudgetLineSum.region_key != 0, BudgetLineSum.priority_key != 0)
        .group_by(BudgetLineSum.region_key, BudgetLineSum.priority_key)
    ).all()
    region_codes = dict(db.session.execute(sa.select(Region.id, Region.code).order_by(Region.code)).all())
    priority_codes = dict(db.session.execute(sa.select(Priority.id, Priority.code).order_by(Priority.sort_order)).all())
    cells: dict[tuple[str, str], int] = {}
    for region_id, priority_id, total in grouped:
        key = (region_codes[region_id], priority_codes[priority_id])
        cells[key] = cells.get(key, 0) + int(total or 0)
    return list(region_codes.values()), list(priority_codes.values()), cells


def scenario_query(
    *, budget_year: int | None = None, kind: str | None = None, status: str | None = None
) -> sa.Select[tuple[Scenario]]:
    """Scenarios, newest budget year first, by name."""
    query = sa.select(Scenario).order_by(Scenario.budget_year.desc(), Scenario.name)
    if budget_year is not None:
        query = query.where(Scenario.budget_year == budget_year)
    if kind is not None:
        query = query.where(Scenario.kind == kind)
    if status is not None:
        query = query.where(Scenario.status == status)
    return query


def list_scenarios() -> list[Scenario]:
    return list(db.session.scalars(scenario_query()))


def line_counts_by_scenario() -> dict[int, tuple[int, int]]:
    """Each scenario's number of lines and their total in cents (from the kept sums)."""
    totals = db.session.execute(
        sa.select(
            BudgetLineSum.scenario_id, sa.func.sum(BudgetLineSum.line_count), sa.func.sum(BudgetLineSum.amount_cents)
        ).group_by(BudgetLineSum.scenario_id)
    )
    return {scenario_id: (int(count), int(total or 0)) for scenario_id, count, total in totals}


def appropriation_query(
    *, fiscal_year: int | None = None, account_code: str | None = None
) -> sa.Select[tuple[Appropriation]]:
    """Appropriations, newest fiscal year first, by account."""
    query = sa.select(Appropriation).order_by(Appropriation.fiscal_year.desc(), Appropriation.account_code)
    if fiscal_year is not None:
        query = query.where(Appropriation.fiscal_year == fiscal_year)
    if account_code:
        query = query.where(Appropriation.account_code == account_code)
    return query


def list_appropriations() -> list[Appropriation]:
    return list(db.session.scalars(appropriation_query()))
