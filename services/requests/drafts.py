"""Drafting and editing travel and staffing requests: the estimate is computed, never typed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from models import (
    Appropriation,
    Country,
    Division,
    RequestStatus,
    Role,
    Scenario,
    ScenarioStatus,
    StaffingKind,
    StaffingRequest,
    TravelCost,
    TravelCostKind,
    TravelLeg,
    TravelPurpose,
    TravelRequest,
    User,
    db,
)
from money import to_cents
from services import inputs
from services.audit.events import record_event, snapshot
from services.errors import ConflictError, PermissionDenied, ValidationError, WorkflowError
from services.permissions import Action, can
from services.requests import costing
from services.requests.workflow import can_delete, can_edit

Request = TravelRequest | StaffingRequest


MAX_LEGS = 8


def _country_codes() -> list[str]:
    return list(db.session.scalars(sa.select(Country.iso3).order_by(Country.iso3)))


def _draft_scenario():
    """Requests are costed into a scenario still being drafted (Scenario.is_editable)."""
    return Scenario.status == ScenarioStatus.DRAFT


@dataclass(frozen=True)
class LegData:
    """One leg of an itinerary: from `origin` to `city` in `country`, there from `depart` to `return_`."""

    origin: str = inputs.text("From (city)", max_length=120, required=False, positional=True, suggested="Washington")
    city: str = inputs.text("To (city)", max_length=160)
    country: str = inputs.text(
        "Country",
        max_length=3,
        min_length=3,
        record="country.iso3",
        help="ISO 3166 alpha-3, like THA.",
        listed=_country_codes,
    )
    depart: dt.date = inputs.date("Depart", record="depart_on")
    return_: dt.date = inputs.date("Return", record="return_on")

    RULES: ClassVar = (
        inputs.Rule(
            ("depart", "return"),
            "A leg returns on or after it departs and departs on or after the leg "
            "before returns; a trip lasts at most 366 days.",
        ),
    )


@dataclass(frozen=True, kw_only=True)
class TravelData:
    title: str = inputs.text("Trip", max_length=200)
    traveler_id: int = inputs.reference("Traveler", to=User, usable=lambda: User.active.is_(True))
    purpose_id: int = inputs.reference("Purpose", to=TravelPurpose)
    justification: str = inputs.text("Justification", max_length=5000, required=False, multiline=True)
    appropriation_id: int = inputs.reference(
        "Funding appropriation",
        to=Appropriation,
        help="Operations travel (Diplomatic Programs, 21.0) or a program appropriation.",
    )
    scenario_id: int = inputs.reference("Budget scenario", to=Scenario, usable=_draft_scenario)
    legs: tuple[LegData, ...] = inputs.rows(
        "Itinerary", LegData, maximum=MAX_LEGS, required=True, message="Add at least one leg."
    )
    airfare: Decimal | None = inputs.money(
        "Airfare (leave blank to use the city-pair fare)", minimum=Decimal(0), default=None
    )  # None: the city-pair fare table
    airfare_note: str = inputs.text("Fare note (why this fare)", max_length=255, required=False)

    RULES: ClassVar = (inputs.Rule(("legs",), "A city-pair fare exists where no airfare is given."),)
    costs: dict[TravelCostKind, Decimal] = inputs.amounts("Other costs", TravelCostKind, minimum=Decimal(0))


@dataclass(frozen=True, kw_only=True)
class StaffingData:
    """A staffing request: the position (what costing.estimate_staffing prices) and where its money comes from."""

    title: str = inputs.text("Position title", max_length=200)
    kind: StaffingKind = inputs.choice("Kind", StaffingKind)
    division_id: int = inputs.reference("Division", to=Division)
    appropriation_id: int = inputs.reference("Funding appropriation", to=Appropriation)
    scenario_id: int = inputs.reference("Budget scenario", to=Scenario, usable=_draft_scenario)
    pay_plan: str | None = inputs.text(
        "Pay plan", max_length=2, required=False, default=None, options=tuple(costing.PAY_PLANS)
    )
    grade: int | None = inputs.integer("Grade or class", minimum=1, maximum=15, default=None)
    step: int | None = inputs.integer("Step", minimum=1, maximum=14, default=None)
    annual_rate: Decimal | None = inputs.money(
        "Annual rate (contractors, detailees, fellows)",
        minimum=Decimal("0.01"),
        default=None,
        message="Enter the annual rate in dollars and cents, more than zero.",
    )
    fte: Decimal = inputs.fraction("FTE", minimum=Decimal("0.01"), maximum=Decimal(1), default=Decimal(1))
    start_date: dt.date = inputs.date("Start date", record="start_on")
    end_date: dt.date | None = inputs.date("End date (optional)", required=False, record="end_on")
    benefits_rate: Decimal = inputs.fraction(
        "Benefits rate", minimum=Decimal(0), maximum=Decimal(1), default=costing.BENEFITS_RATE, percent=True
    )
    pay_raise: Decimal = inputs.fraction(
        "Yearly pay raise", minimum=Decimal(0), maximum=costing.MAX_PAY_RAISE, default=costing.PAY_RAISE, percent=True
    )
    justification: str = inputs.text("Justification", max_length=5000, required=False, multiline=True)

    RULES: ClassVar = (
        inputs.Rule(
            ("pay_plan", "grade", "step", "annual_rate"),
            "A pay plan with its grade and step, or an "
            "annual rate, not both; the plan is the one the kind of position is paid on.",
        ),
        inputs.Rule(("end_date",), "The end date is on or after the start date."),
    )


POSITION = tuple(name for name in costing.StaffingInput.__dataclass_fields__)  # what an estimate is given


def _check_money_source(appropriation_id: int, scenario_id: int) -> None:
    errors = {}
    if db.session.get(Appropriation, appropriation_id) is None:
        errors["appropriation"] = "No such appropriation."
    scenario = db.session.get(Scenario, scenario_id)
    if scenario is None:
        errors["scenario"] = "No such scenario."
    elif not scenario.is_editable:
        errors["scenario"] = f"{scenario.name} is {scenario.status.value}: choose a draft plan scenario."
    if errors:
        raise ValidationError("Choose where the money comes from.", fields=errors)


def travel_estimate(data: TravelData) -> costing.TravelEstimate:
    return costing.estimate_travel(
        [costing.LegInput(leg.origin, leg.city, leg.country, leg.depart, leg.return_) for leg in data.legs],
        data.airfare,
        sum(data.costs.values(), Decimal(0)),
    )


def _traveler_for(actor: User, traveler_id: int) -> User:
    traveler = db.session.get(User, traveler_id)
    if traveler is None or not traveler.active:
        raise ValidationError("Choose the traveler.", fields={"traveler": "No such active user."})
    if actor.role == Role.STAFF and traveler.id != actor.id:
        raise PermissionDenied("Staff draft travel for themselves; ask your division head to draft for others.")
    if actor.role != Role.STAFF and traveler.division_id != actor.division_id:
        raise PermissionDenied("Travel is drafted for your own division's people.")
    if not can(actor, Action.REQUEST_TRAVEL):
        raise PermissionDenied("Travel is drafted by staff, division heads and resource managers.")
    return traveler


def _apply_travel(request: TravelRequest, data: TravelData, traveler: User) -> None:
    errors = inputs.check(data)
    if errors:
        raise ValidationError("Check the trip.", fields=errors)
    if db.session.get(TravelPurpose, data.purpose_id) is None:
        raise ValidationError("Choose a purpose.", fields={"purpose": "No such purpose."})
    _check_money_source(data.appropriation_id, data.scenario_id)
    estimate = travel_estimate(data)
    countries = {
        c.iso3: c
        for c in db.session.scalars(
            sa.select(Country).where(Country.iso3.in_([leg.country.upper() for leg in data.legs]))
        )
    }
    request.title, request.justification = data.title.strip(), data.justification.strip()
    request.purpose_id, request.traveler_id, request.division_id = data.purpose_id, traveler.id, traveler.division_id
    request.appropriation_id, request.scenario_id = data.appropriation_id, data.scenario_id
    request.airfare_cents = None if data.airfare is None else to_cents(data.airfare)
    request.airfare_note = data.airfare_note.strip()
    request.legs = [
        TravelLeg(
            position=i,
            origin=leg.origin.strip(),
            city=leg.city.strip(),
            country=countries[leg.country.upper()],
            depart_on=leg.depart,
            return_on=leg.return_,
        )
        for i, leg in enumerate(data.legs)
    ]
    request.costs = [
        TravelCost(kind=kind, amount_cents=to_cents(amount)) for kind, amount in sorted(data.costs.items()) if amount
    ]
    request.estimate = estimate.to_json()
    request.total_cents = to_cents(estimate.total)


def create_travel(actor: User, data: TravelData) -> TravelRequest:
    traveler = _traveler_for(actor, data.traveler_id)
    request = TravelRequest(created_by_id=actor.id)
    _apply_travel(request, data, traveler)
    db.session.add(request)
    db.session.flush()
    record_event(actor, "travel_request.create", "travel_request", request.id, after=snapshot(request))
    return request


def _ensure_editable(actor: User, request: Request, expected_version: int) -> None:
    if request.version != expected_version:
        raise ConflictError(
            f"This request changed since you opened it (it is now {request.status.value}). "
            "Your changes were not saved: reload it and try again."
        )
    if not can_edit(actor, request):
        raise PermissionDenied("Only drafts and returned requests can change, by their author or division head.")


def _flush(request_id: int) -> None:
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise ConflictError(f"Request {request_id} was changed by someone else. Reload it and try again.") from exc


def update_travel(actor: User, request: TravelRequest, data: TravelData, expected_version: int) -> None:
    _ensure_editable(actor, request, expected_version)
    traveler = _traveler_for(actor, data.traveler_id)
    before = snapshot(request)
    request_id = request.id
    _apply_travel(request, data, traveler)
    request.status = RequestStatus.DRAFT  # a returned request goes back to draft when edited
    _flush(request_id)
    record_event(actor, "travel_request.update", "travel_request", request.id, before=before, after=snapshot(request))


def staffing_estimate(data: StaffingData) -> costing.StaffingEstimate:
    return costing.estimate_staffing(costing.StaffingInput(**{name: getattr(data, name) for name in POSITION}))


def _apply_staffing(request: StaffingRequest, data: StaffingData) -> None:
    errors = inputs.check(data)
    if errors:
        raise ValidationError("Check the position.", fields=errors)
    _check_money_source(data.appropriation_id, data.scenario_id)
    estimate = staffing_estimate(data)
    request.title, request.justification, request.kind = data.title.strip(), data.justification.strip(), data.kind
    request.division_id = data.division_id
    request.appropriation_id, request.scenario_id = data.appropriation_id, data.scenario_id
    request.pay_plan, request.grade, request.step = data.pay_plan, data.grade, data.step
    request.annual_rate_cents = None if data.annual_rate is None else to_cents(data.annual_rate)
    request.fte_basis_points = int(data.fte * 10_000)
    request.start_on, request.end_on = data.start_date, data.end_date
    request.benefits_rate_basis_points = int(data.benefits_rate * 10_000)
    request.pay_raise_basis_points = int(data.pay_raise * 10_000)
    request.estimate = estimate.to_json()
    first_year = estimate.by_fiscal_year[0]
    request.total_cents = to_cents(first_year.total)


def _check_staffing_author(actor: User, division_id: int) -> None:
    if not can(actor, Action.REQUEST_STAFFING) or actor.division_id != division_id:
        raise PermissionDenied("Staffing requests are drafted by a division's head and staff, for their own division.")


def create_staffing(actor: User, data: StaffingData) -> StaffingRequest:
    _check_staffing_author(actor, data.division_id)
    request = StaffingRequest(created_by_id=actor.id)
    _apply_staffing(request, data)
    db.session.add(request)
    db.session.flush()
    record_event(actor, "staffing_request.create", "staffing_request", request.id, after=snapshot(request))
    return request


def update_staffing(actor: User, request: StaffingRequest, data: StaffingData, expected_version: int) -> None:
    _ensure_editable(actor, request, expected_version)
    _check_staffing_author(actor, data.division_id)
    before = snapshot(request)
    request_id = request.id
    _apply_staffing(request, data)
    request.status = RequestStatus.DRAFT
    _flush(request_id)
    record_event(
        actor, "staffing_request.update", "staffing_request", request.id, before=before, after=snapshot(request)
    )


def delete_request(actor: User, request: Request, expected_version: int) -> None:
    """Only a draft goes: a returned request has been decided on once; it is edited and resubmitted."""
    _ensure_editable(actor, request, expected_version)
    if not can_delete(actor, request):
        raise WorkflowError(
            f"Request {request.id} is {request.status.value}: it was returned with a reason, so it is edited and "
            "resubmitted, not deleted."
        )
    before = snapshot(request)
    request_id, kind = request.id, request.kind_name
    db.session.delete(request)
    _flush(request_id)
    record_event(actor, f"{kind}_request.delete", f"{kind}_request", request_id, before=before)
