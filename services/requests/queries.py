"""Lists of requests: "My requests", the review queue, and a division's travel plan."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from models import RequestStatus, Role, StaffingRequest, TravelLeg, TravelRequest, User, db, fiscal_year_of
from services.permissions import sees_all_divisions

KINDS = {"travel": TravelRequest, "staffing": StaffingRequest}


@dataclass(frozen=True)
class RequestFilter:
    kind: str | None = None  # travel | staffing | None for both
    status: RequestStatus | None = None
    division_id: int | None = None


def visible_to(user: User, model):
    """Division heads and staff see their own division's requests only."""
    if sees_all_divisions(user):
        return sa.true()
    return model.division_id == user.division_id


def list_requests(user: User, request_filter: RequestFilter, *, mine: bool = False) -> list:
    """Requests the user may see, newest first; `mine` narrows staff to what they wrote or travel on."""
    found = []
    for kind, model in KINDS.items():
        if request_filter.kind not in (None, kind):
            continue
        query = (
            sa.select(model)
            .where(visible_to(user, model))
            .options(so.joinedload(model.division), so.joinedload(model.created_by))
        )
        if kind == "travel":
            query = query.options(
                so.selectinload(TravelRequest.legs).joinedload(TravelLeg.country), so.joinedload(TravelRequest.traveler)
            )
        if request_filter.status is not None:
            query = query.where(model.status == request_filter.status)
        if request_filter.division_id is not None:
            query = query.where(model.division_id == request_filter.division_id)
        if mine and user.role == Role.STAFF:
            mine_condition = model.created_by_id == user.id
            if kind == "travel":
                mine_condition = sa.or_(mine_condition, TravelRequest.traveler_id == user.id)
            query = query.where(mine_condition)
        found.extend(db.session.scalars(query).unique())
    return sorted(found, key=lambda r: (r.created_at, r.id), reverse=True)


def first_year_cost_cents(requests: list[TravelRequest | StaffingRequest]) -> int:
    return sum(request.total_cents for request in requests)


@dataclass(frozen=True)
class TravelPlan:
    trips: list[TravelRequest]  # by departure

    @property
    def approved_cents(self) -> int:
        return sum(trip.total_cents for trip in self.trips if trip.status == RequestStatus.APPROVED)

    @property
    def total_cents(self) -> int:
        return first_year_cost_cents(self.trips)


def travel_plan(division_id: int, fiscal_year: int) -> TravelPlan:
    """A division's trips in a fiscal year that are planned or approved (not rejected or cancelled)."""
    live = (RequestStatus.DRAFT, RequestStatus.SUBMITTED, RequestStatus.RETURNED, RequestStatus.APPROVED)
    trips = db.session.scalars(
        sa.select(TravelRequest)
        .where(TravelRequest.division_id == division_id, TravelRequest.status.in_(live))
        .options(
            so.selectinload(TravelRequest.legs).joinedload(TravelLeg.country), so.joinedload(TravelRequest.traveler)
        )
    ).unique()
    return TravelPlan(
        sorted(
            (t for t in trips if t.departs_on and fiscal_year_of(t.departs_on) == fiscal_year),
            key=lambda t: t.departs_on,
        )
    )
