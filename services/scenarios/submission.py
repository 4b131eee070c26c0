"""The budget submission workbook's rows, from the domain (exports/ writes them)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from exports.submission import ColumnsRow, DetailRow, SpendPlanTable, StaffingRow, SubmissionWorkbook, TripRow
from models import (
    Appropriation,
    BudgetLine,
    Country,
    Division,
    LineSource,
    ObjectClass,
    Priority,
    ProgramType,
    Region,
    RequestStatus,
    Scenario,
    ScenarioKind,
    StaffingRequest,
    TravelRequest,
    User,
    db,
)
from models.base import utcnow
from money import from_cents
from services.budget.queries import LineFilter, totals_by
from services.errors import ValidationError
from services.execution.spend_plan import scenario_spend_plan
from services.permissions import hides_request_line, line_description
from services.requests.queries import visible_to


def latest_of_kind(kind: ScenarioKind, before_year: int | None = None) -> Scenario | None:
    query = sa.select(Scenario).where(Scenario.kind == kind)
    if before_year is not None:
        query = query.where(Scenario.budget_year < before_year)
    return db.session.scalar(query.order_by(Scenario.budget_year.desc(), Scenario.id.desc()).limit(1))


def comparison_scenarios(plan: Scenario, actual_id: int | None, enacted_id: int | None) -> tuple[Scenario, Scenario]:
    """The PY actual and CY enacted scenarios: as chosen, else the latest of each kind before the plan's year."""
    actual = db.session.get(Scenario, actual_id) if actual_id else latest_of_kind(ScenarioKind.ACTUAL, plan.budget_year)
    enacted = (
        db.session.get(Scenario, enacted_id) if enacted_id else latest_of_kind(ScenarioKind.ENACTED, plan.budget_year)
    )
    errors = {}
    if actual is None:
        errors["actual"] = "No actual scenario to compare with."
    if enacted is None:
        errors["enacted"] = "No enacted scenario to compare with."
    if errors:
        raise ValidationError("Choose the scenarios to compare the request with.", fields=errors)
    return actual, enacted


def _sums(scenario: Scenario, by: list[str]) -> dict[tuple, int]:
    return {
        tuple(row[name] for name in by): row["amount_cents"]
        for row in totals_by(LineFilter(scenario_id=scenario.id), by)
    }


PAYROLL_GROUP = "Personnel compensation and benefits"  # object classes 11.x, 12.x and 13.0


def object_class_name(code: str, title: str) -> str:
    """How the workbook names an object class: "41.0 Grants, subsidies and contributions"."""
    return f"{code} {title}".strip()


def _names() -> dict[str, dict[str, str]]:
    """Code → the name the workbook shows, by Detail field (appropriations are named by their label)."""

    def pairs(model, column) -> dict[str, str]:
        return dict(db.session.execute(sa.select(model.code, column)).tuples().all())

    return {
        "division": pairs(Division, Division.name),
        "object_class": {
            code: object_class_name(code, title)
            for code, title in db.session.execute(sa.select(ObjectClass.code, ObjectClass.title)).tuples()
        },
        "region": pairs(Region, Region.name),
        "priority": pairs(Priority, Priority.name),
        "program_type": pairs(ProgramType, ProgramType.name),
    }


def _lists() -> dict[str, list[str]]:
    """The names each of Detail's drop-downs offers, in the order the pages list them."""

    def names(column, order) -> list[str]:
        return list(db.session.scalars(sa.select(column).order_by(order)))

    return {
        "appropriation": sorted(a.label for a in db.session.scalars(sa.select(Appropriation))),
        "division": names(Division.name, Division.name),
        "object_class": [
            object_class_name(code, title)
            for code, title in db.session.execute(
                sa.select(ObjectClass.code, ObjectClass.title).order_by(ObjectClass.code)
            ).tuples()
        ],
        "region": names(Region.name, Region.code),
        "priority": names(Priority.name, Priority.sort_order),
        "program_type": names(ProgramType.name, ProgramType.code),
    }


def _account_of() -> dict[str, tuple[str, str]]:
    """Appropriation label ("INCLE FY2027") → (account code, title)."""
    return {a.label: (a.account_code, a.title) for a in db.session.scalars(sa.select(Appropriation))}


def _by_account(scenario: Scenario, extra: list[str]) -> dict[tuple, int]:
    accounts = _account_of()
    sums: dict[tuple, int] = defaultdict(int)
    for key, cents in _sums(scenario, ["appropriation", *extra]).items():
        sums[(accounts[key[0]][0], *key[1:])] += cents
    return sums


def _columns(
    keys_and_labels: dict[tuple, tuple[str, ...]],
    py: dict,
    cy: dict,
    by: dict,
    match: Callable[[tuple], dict[str, list[str]]],
) -> list[ColumnsRow]:
    """Rows in key order; `match(key)` says which Detail lines make up the row's request figure."""
    return [
        ColumnsRow(
            label=label,
            py=from_cents(py.get(key, 0)),
            cy=from_cents(cy.get(key, 0)),
            by=from_cents(by.get(key, 0)),
            match=match(key),
        )
        for key, label in sorted(keys_and_labels.items())
    ]


def _payroll(scenarios: tuple[Scenario, Scenario, Scenario], names: dict[str, dict[str, str]]) -> list[ColumnsRow]:
    """Pay and benefits (object classes 11-13) of every line in each scenario, by division: the whole
    workforce in the budget, whichever lines (operations or staffing requests) carry it."""
    codes = set(db.session.scalars(sa.select(ObjectClass.code).where(ObjectClass.group == PAYROLL_GROUP)))
    shown = sorted(names["object_class"][code] for code in codes)
    sums: list[dict[tuple, int]] = []
    for scenario in scenarios:
        by_division: dict[tuple, int] = defaultdict(int)
        for key, cents in _sums(scenario, ["division", "object_class"]).items():
            if key[1] in codes:
                by_division[(names["division"].get(key[0], key[0]),)] += cents
        sums.append(by_division)
    labels = {key: key for key in {*sums[0], *sums[1], *sums[2]}}
    return _columns(labels, *sums, lambda key: {"division": [key[0]], "object_class": shown})


def _staffing(scenarios: tuple[Scenario, Scenario, Scenario], actor: User) -> list[StaffingRow]:
    fte: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
    cost: dict[str, list[int]] = defaultdict(lambda: [0] * 3)
    for index, scenario in enumerate(scenarios):
        rows = db.session.execute(
            sa.select(StaffingRequest, sa.func.sum(BudgetLine.amount_cents))
            .join(
                BudgetLine,
                sa.and_(BudgetLine.source == LineSource.STAFFING, BudgetLine.source_id == StaffingRequest.id),
            )
            .where(BudgetLine.scenario_id == scenario.id, BudgetLine.fiscal_year == scenario.budget_year)
            .where(visible_to(actor, StaffingRequest))  # heads and staff: their division's requests only
            .group_by(StaffingRequest.id)
        )
        for request, cents in rows:
            fte[request.kind.label][index] += Decimal(request.fte_basis_points) / 10_000
            cost[request.kind.label][index] += int(cents or 0)
    return [StaffingRow(kind, *fte[kind], *(from_cents(c) for c in cost[kind])) for kind in sorted(fte)]


def _trips(plan: Scenario, actor: User) -> list[TripRow]:
    trips = db.session.scalars(
        sa.select(TravelRequest)
        .where(
            TravelRequest.scenario_id == plan.id,
            TravelRequest.status.in_([RequestStatus.APPROVED, RequestStatus.SUBMITTED]),
            visible_to(actor, TravelRequest),  # heads and staff: their division's trips only
        )
        .options(
            so.selectinload(TravelRequest.legs),
            so.joinedload(TravelRequest.traveler),
            so.joinedload(TravelRequest.division),
        )
    ).unique()
    return sorted(
        (
            TripRow(
                departs=t.departs_on,
                division=t.division.name,
                traveler=t.traveler.name,
                title=t.title,
                destinations=", ".join(leg.city for leg in t.legs),
                status=t.status.value,
                amount=from_cents(t.total_cents),
            )
            for t in trips
            if t.departs_on
        ),
        key=lambda row: (row.departs, row.title),
    )


def detail_rows(scenario: Scenario, actor: User) -> Iterator[DetailRow]:
    """Every line, streamed in id order with its keys by name (bounded memory for large scenarios).

    Lines that another division's requests wrote keep their amounts (the totals stay whole) but
    not their descriptions, for an actor who may not see that division's requests (heads and
    staff may not import, so a description shown this way is never written back).
    """
    names = {
        model: dict(db.session.execute(sa.select(model.id, column)).tuples().all())
        for model, column in (
            (Region, Region.name),
            (Priority, Priority.name),
            (ProgramType, ProgramType.name),
        )
    }
    names[ObjectClass] = {
        id_: object_class_name(code, title)
        for id_, code, title in db.session.execute(sa.select(ObjectClass.id, ObjectClass.code, ObjectClass.title))
    }
    appropriations = {a.id: a.label for a in db.session.scalars(sa.select(Appropriation))}
    countries = dict(db.session.execute(sa.select(Country.id, Country.iso3)).tuples().all())
    divisions = dict(db.session.execute(sa.select(Division.id, Division.name)).tuples().all())
    query = sa.select(BudgetLine.__table__).where(BudgetLine.scenario_id == scenario.id).order_by(BudgetLine.id)
    for row in db.session.execute(query.execution_options(yield_per=5000)):
        hidden = hides_request_line(actor, row.source, row.division_id)  # a trip's destination too
        yield DetailRow(
            line_id=row.id,
            version=row.version,
            fiscal_year=row.fiscal_year,
            appropriation=appropriations[row.appropriation_id],
            division=divisions[row.division_id],
            object_class=names[ObjectClass][row.object_class_id],
            region=names[Region].get(row.region_id),
            country=None if hidden else countries.get(row.country_id),
            priority=names[Priority].get(row.priority_id),
            program_type=names[ProgramType].get(row.program_type_id),
            description=line_description(actor, row.source, row.division_id, row.description),
            stage=str(row.stage),
            source=str(row.source),
            amount=from_cents(row.amount_cents),
        )


def spend_plan_table(plan: Scenario, as_of: date) -> SpendPlanTable:
    """The Spend plan sheet: the scenario's spend plan on each appropriation it plans on, in dollars."""
    spend = scenario_spend_plan(plan, as_of)
    return SpendPlanTable(
        as_of=as_of,
        months=[str(month) for month in spend.months],
        columns=[
            (appropriation.label, [from_cents(cents) for cents in planned]) for appropriation, planned in spend.columns
        ],
    )


def build_workbook(
    plan: Scenario,
    actor: User,
    app_version: str,
    *,
    actual_id: int | None = None,
    enacted_id: int | None = None,
    now: datetime | None = None,
) -> SubmissionWorkbook:
    """The workbook's rows; its spend plan is as of the day it is exported (local time, as the pages' "today")."""
    actual, enacted = comparison_scenarios(plan, actual_id, enacted_id)
    exported_at = now or utcnow()
    local = exported_at if exported_at.tzinfo is not None else exported_at.replace(tzinfo=UTC)
    as_of = local.astimezone().date()
    accounts = {code: title for code, title in _account_of().values()}
    labels_of: dict[str, list[str]] = defaultdict(list)  # account code → its appropriations' labels
    for label, (code, _) in sorted(_account_of().items()):
        labels_of[code].append(label)
    names = _names()
    py, cy, by = (_by_account(s, []) for s in (actual, enacted, plan))
    summary = _columns(
        {key: (key[0], accounts[key[0]]) for key in {*py, *cy, *by}},
        py,
        cy,
        by,
        lambda key: {"appropriation": labels_of[key[0]]},
    )
    py_oc, cy_oc, by_oc = (_by_account(s, ["object_class"]) for s in (actual, enacted, plan))
    object_class = names["object_class"]
    labels = {key: (key[0], object_class.get(key[1], key[1])) for key in {*py_oc, *cy_oc, *by_oc}}
    object_classes = _columns(
        labels,
        py_oc,
        cy_oc,
        by_oc,
        lambda key: {"appropriation": labels_of[key[0]], "object_class": [object_class.get(key[1], key[1])]},
    )

    def name(field: str, code: str | None) -> str | None:
        return None if code is None else names[field].get(code, code)

    program = [
        (
            name("region", row["region"]),
            name("priority", row["priority"]),
            name("program_type", row["program_type"]),
            from_cents(row["amount_cents"]),
        )
        for row in totals_by(LineFilter(scenario_id=plan.id), ["region", "priority", "program_type"])
        if row["region"] and row["priority"]
    ]
    lists = _lists()
    return SubmissionWorkbook(
        scenario=plan.name,
        budget_year=plan.budget_year,
        py_scenario=actual.name,
        cy_scenario=enacted.name,
        exported_by=f"{actor.name} <{actor.email}>",
        exported_at=exported_at,
        app_version=app_version,
        filters={"scenario": plan.name, "PY actual": actual.name, "CY enacted": enacted.name},
        summary=summary,
        object_classes=object_classes,
        program=program,
        regions=lists["region"],
        priorities=lists["priority"],
        program_types=lists["program_type"],
        staffing=_staffing((actual, enacted, plan), actor),
        payroll=_payroll((actual, enacted, plan), names),
        lists=lists,
        travel=_trips(plan, actor),
        detail=detail_rows(plan, actor),
        spend_plan=spend_plan_table(plan, as_of),
    )
