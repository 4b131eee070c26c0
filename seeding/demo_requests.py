"""Demo travel and staffing requests, in every state, made through the real services.

Each request is drafted, submitted and decided by the demo users who would do
it, so its estimate, budget lines, allowance draws, comments and audit trail
are exactly what the app itself would produce. Idempotent: nothing happens
when any request exists.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import sqlalchemy as sa

from models import (
    Division,
    Scenario,
    StaffingKind,
    StaffingRequest,
    TravelCostKind,
    TravelPurpose,
    TravelRequest,
    User,
    db,
)
from services.errors import DomainError
from services.funds.control import appropriation_of
from services.requests import drafts as request_service
from services.requests import workflow
from services.requests.drafts import LegData, StaffingData, TravelData
from services.requests.workflow import Transition

# (city, ISO alpha-3) of places in the per diem table the office travels to.
PLACES = [
    ("Bangkok", "THA"),
    ("Nairobi", "KEN"),
    ("Manila", "PHL"),
    ("Bogota", "COL"),
    ("Lima", "PER"),
    ("Accra", "GHA"),
    ("Abidjan", "CIV"),
    ("Kingston", "JAM"),
    ("Ulaanbaatar", "MNG"),
    ("Geneva", "CHE"),
    ("Vienna", "AUT"),
    ("Mexico City", "MEX"),
    ("New Delhi", "IND"),
    ("Dhaka", "BGD"),
    ("Amman", "JOR"),
    ("Kyiv", "UKR"),
    ("Jakarta", "IDN"),
    ("Dakar", "SEN"),
    ("Addis Ababa", "ETH"),
    ("Guatemala City", "GTM"),
]
# The path of each demo request through the workflow, and how many of each.
TRAVEL_PATHS = [
    ([], 6),  # draft
    ([Transition.SUBMIT], 8),
    ([Transition.SUBMIT, Transition.APPROVE], 10),
    ([Transition.SUBMIT, Transition.RETURN], 3),
    ([Transition.SUBMIT, Transition.REJECT], 3),
    ([Transition.SUBMIT, Transition.APPROVE, Transition.CANCEL], 2),
]
COMMENTS = {
    Transition.RETURN: "Please add the monitoring plan and check the fare against the city-pair contract.",
    Transition.REJECT: "Not this year: the same visit is covered by the regional workshop in March.",
    Transition.CANCEL: "The host government postponed the meeting; cancelling the trip.",
}
STAFFING = [
    ("Program analyst, East Asia and Pacific", StaffingKind.CIVIL_SERVICE, "GS", 13, 1, None, "IP"),
    ("Grants officer", StaffingKind.CIVIL_SERVICE, "GS", 12, 3, None, "IP"),
    ("Reports officer, Africa", StaffingKind.FOREIGN_SERVICE, "FS", 3, 2, None, "RPA"),
    ("Senior reports officer", StaffingKind.CIVIL_SERVICE, "GS", 14, 1, None, "RPA"),
    (
        "Monitoring and evaluation specialist",
        StaffingKind.PERSONAL_SERVICES_CONTRACTOR,
        None,
        None,
        None,
        Decimal("128000"),
        "IP",
    ),
    ("Data analyst (contract)", StaffingKind.CONTRACTOR, None, None, None, Decimal("165000"), "RPA"),
    ("Survivor engagement fellow", StaffingKind.FELLOW, None, None, None, Decimal("72000"), "IP"),
    ("Detailee from the Department of Labor", StaffingKind.DETAILEE, None, None, None, Decimal("155000"), "RPA"),
    ("Program assistant", StaffingKind.CIVIL_SERVICE, "GS", 9, 1, None, "IP"),
    ("Research analyst", StaffingKind.CIVIL_SERVICE, "GS", 11, 2, None, "RPA"),
]
STAFFING_PATHS = [
    [],
    [Transition.SUBMIT],
    [Transition.SUBMIT, Transition.APPROVE],
    [Transition.SUBMIT, Transition.RETURN],
    [Transition.SUBMIT, Transition.REJECT],
    [Transition.SUBMIT, Transition.APPROVE],
    [Transition.SUBMIT],
    [Transition.SUBMIT, Transition.APPROVE],
    [Transition.SUBMIT, Transition.APPROVE, Transition.CANCEL],
    [],
]


def _user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def _walk(request, path: list[Transition], head: User, manager: User) -> None:
    for step in path:
        actor = head if step == Transition.SUBMIT else manager
        workflow.transition(actor, request, step, COMMENTS.get(step, ""))


def load_demo_requests() -> int:
    """Create the demo requests; return how many (0 when some exist already)."""
    if db.session.scalar(sa.select(sa.func.count(TravelRequest.id))) or db.session.scalar(
        sa.select(sa.func.count(StaffingRequest.id))
    ):
        return 0
    plan = db.session.scalar(sa.select(Scenario).where(Scenario.name == "FY2027 plan"))
    if plan is None:
        return 0
    rng = random.Random(2027)
    manager = _user("rm@example.gov")
    heads = {"IP": _user("head-ip@example.gov"), "RPA": _user("head-rpa@example.gov")}
    staff = _user("staff-ip@example.gov")
    purposes = list(db.session.scalars(sa.select(TravelPurpose).order_by(TravelPurpose.id)))
    operations, programs = appropriation_of("DP", 2027), appropriation_of("INCLE", 2027)
    created = 0
    paths = [path for path, count in TRAVEL_PATHS for _ in range(count)]
    for index, path in enumerate(paths):
        division = "IP" if index % 3 else "RPA"
        author = staff if division == "IP" and index % 2 else heads[division]
        city, country = PLACES[index % len(PLACES)]
        depart = dt.date(2026, 11, 2) + dt.timedelta(days=rng.randrange(0, 300))
        nights = rng.choice([3, 4, 5, 6, 8])
        funded_by = programs if division == "IP" and index % 4 == 1 else operations
        data = TravelData(
            title=f"{purposes[index % len(purposes)].name}: {city}",
            purpose_id=purposes[index % len(purposes)].id,
            traveler_id=author.id,
            appropriation_id=funded_by.id,
            scenario_id=plan.id,
            legs=[LegData("Washington", city, country, depart, depart + dt.timedelta(days=nights))],
            justification="Demo request.",
            costs={TravelCostKind.GROUND: Decimal(rng.choice([80, 120, 150]))},
        )
        try:
            request = request_service.create_travel(author, data)
            _walk(request, path, heads[division], manager)
        except DomainError:
            continue  # a place the per diem table lacks, or money that ran out: skip it
        created += 1
    for (title, kind, plan_code, grade, step, rate, division), path in zip(STAFFING, STAFFING_PATHS, strict=True):
        start = dt.date(2027, rng.choice([1, 2, 3, 4, 5, 6]), rng.choice([3, 10, 17, 24]))
        data = StaffingData(
            title=title,
            kind=kind,
            appropriation_id=operations.id,
            scenario_id=plan.id,
            division_id=db.session.scalar(sa.select(Division.id).where(Division.code == division)),
            start_date=start,
            pay_plan=plan_code,
            grade=grade,
            step=step,
            annual_rate=rate,
            end_date=start + dt.timedelta(days=364) if kind == StaffingKind.FELLOW else None,
            justification="Demo request.",
        )
        try:
            request = request_service.create_staffing(heads[division], data)
            _walk(request, path, heads[division], manager)
        except DomainError:
            continue
        created += 1
    db.session.flush()
    return created
