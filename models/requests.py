"""Requests from divisions: travel (with legs and cost items) and staffing, one workflow for both."""

from __future__ import annotations

import datetime as dt
import enum
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from models.base import db, enum_type, utcnow
from models.budget import Scenario
from models.funds import Appropriation
from models.organisation import Division, User
from models.reference import Country, TravelPurpose


class RequestStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"
    REJECTED = "rejected"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.capitalize()


EDITABLE_STATUSES = frozenset({RequestStatus.DRAFT, RequestStatus.RETURNED})


class StaffingKind(enum.StrEnum):
    CIVIL_SERVICE = "civil_service"
    FOREIGN_SERVICE = "foreign_service"
    PERSONAL_SERVICES_CONTRACTOR = "psc"
    CONTRACTOR = "contractor"
    DETAILEE = "detailee"
    FELLOW = "fellow"

    @property
    def label(self) -> str:
        return {"psc": "Personal services contractor"}.get(self.value, self.value.replace("_", " ").capitalize())


class RequestMixin:
    """What travel and staffing requests share: ownership, money source, workflow state."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    justification: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    status: so.Mapped[RequestStatus] = so.mapped_column(
        enum_type(RequestStatus), default=RequestStatus.DRAFT, index=True
    )
    total_cents: so.Mapped[int] = so.mapped_column(default=0)  # the computed estimate
    # The computed breakdown as shown (JSON-safe strings), kept with the request.
    estimate: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    # Allowance lines the approval drew from: {"<line id>": cents}; restored on cancel.
    draws: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    submitted_at: so.Mapped[datetime | None]
    decided_at: so.Mapped[datetime | None]
    version: so.Mapped[int] = so.mapped_column(sa.Integer, default=1)

    @so.declared_attr
    def division_id(cls) -> so.Mapped[int]:  # noqa: N805
        return so.mapped_column(sa.ForeignKey("division.id"), index=True)

    @so.declared_attr
    def created_by_id(cls) -> so.Mapped[int]:  # noqa: N805
        return so.mapped_column(sa.ForeignKey("user_account.id"))

    @so.declared_attr
    def decided_by_id(cls) -> so.Mapped[int | None]:  # noqa: N805
        return so.mapped_column(sa.ForeignKey("user_account.id"))

    @so.declared_attr
    def appropriation_id(cls) -> so.Mapped[int]:  # noqa: N805
        return so.mapped_column(sa.ForeignKey("appropriation.id"))

    @so.declared_attr
    def scenario_id(cls) -> so.Mapped[int]:  # noqa: N805 - the plan scenario approval writes into
        return so.mapped_column(sa.ForeignKey("scenario.id"))

    @so.declared_attr
    def division(cls) -> so.Mapped[Division]:  # noqa: N805
        return so.relationship()

    @so.declared_attr
    def created_by(cls) -> so.Mapped[User]:  # noqa: N805
        return so.relationship(foreign_keys=[cls.created_by_id])

    @so.declared_attr
    def decided_by(cls) -> so.Mapped[User | None]:  # noqa: N805
        return so.relationship(foreign_keys=[cls.decided_by_id])

    @so.declared_attr
    def appropriation(cls) -> so.Mapped[Appropriation]:  # noqa: N805
        return so.relationship()

    @so.declared_attr
    def scenario(cls) -> so.Mapped[Scenario]:  # noqa: N805
        return so.relationship()

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def reference(self) -> str:
        """How the request is named outside Apportion (a travel authorization's document number in the
        financial system's extract): TR-12, SR-7. Shown on the request's page."""
        return f"{self.reference_prefix}-{self.id}"


class TravelRequest(RequestMixin, db.Model):
    __tablename__ = "travel_request"

    kind_name = "travel"
    reference_prefix = "TR"
    traveler_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user_account.id"), index=True)
    purpose_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("travel_purpose.id"))
    # A typed fare (with a note) replaces the city-pair table's fare when given.
    airfare_cents: so.Mapped[int | None]
    airfare_note: so.Mapped[str] = so.mapped_column(sa.String(255), default="")

    traveler: so.Mapped[User] = so.relationship(foreign_keys=[traveler_id])
    purpose: so.Mapped[TravelPurpose] = so.relationship()
    legs: so.Mapped[list[TravelLeg]] = so.relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="TravelLeg.position"
    )
    costs: so.Mapped[list[TravelCost]] = so.relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="TravelCost.id"
    )

    __mapper_args__ = {"version_id_col": RequestMixin.version}

    @property
    def costed_legs(self) -> list[tuple[str, dict]]:
        """Each leg's estimate beside the place it leaves from (the estimate lists the legs in order)."""
        origins = [leg.origin for leg in self.legs]
        return [(origins[i] if i < len(origins) else "", leg) for i, leg in enumerate(self.estimate.get("legs", []))]

    @property
    def departs_on(self) -> dt.date | None:
        return min((leg.depart_on for leg in self.legs), default=None)

    @property
    def returns_on(self) -> dt.date | None:
        return max((leg.return_on for leg in self.legs), default=None)


class TravelLeg(db.Model):
    __tablename__ = "travel_leg"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    request_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("travel_request.id", ondelete="CASCADE"), index=True)
    position: so.Mapped[int] = so.mapped_column(sa.Integer)
    origin: so.Mapped[str] = so.mapped_column(sa.String(120))
    city: so.Mapped[str] = so.mapped_column(sa.String(160))
    country_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("country.id"))
    depart_on: so.Mapped[dt.date]
    return_on: so.Mapped[dt.date]

    request: so.Mapped[TravelRequest] = so.relationship(back_populates="legs")
    country: so.Mapped[Country] = so.relationship()


class TravelCostKind(enum.StrEnum):
    VISA = "visa"
    GROUND = "ground"
    CONFERENCE = "conference"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"visa": "Visa", "ground": "Ground transport", "conference": "Conference fees", "other": "Other costs"}[
            self.value
        ]


class TravelCost(db.Model):
    """Other costs of a trip: visa, ground transport, conference fees."""

    __tablename__ = "travel_cost"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    request_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("travel_request.id", ondelete="CASCADE"), index=True)
    kind: so.Mapped[TravelCostKind] = so.mapped_column(enum_type(TravelCostKind))
    description: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    amount_cents: so.Mapped[int]

    request: so.Mapped[TravelRequest] = so.relationship(back_populates="costs")


class StaffingRequest(RequestMixin, db.Model):
    __tablename__ = "staffing_request"

    kind_name = "staffing"
    reference_prefix = "SR"
    kind: so.Mapped[StaffingKind] = so.mapped_column(enum_type(StaffingKind))
    pay_plan: so.Mapped[str | None] = so.mapped_column(sa.String(8))
    grade: so.Mapped[int | None] = so.mapped_column(sa.Integer)
    step: so.Mapped[int | None] = so.mapped_column(sa.Integer)
    annual_rate_cents: so.Mapped[int | None]  # contractors, PSCs and others without a pay table
    fte_basis_points: so.Mapped[int] = so.mapped_column(sa.Integer, default=10_000)  # 10,000 = 1.0 FTE
    start_on: so.Mapped[dt.date]
    end_on: so.Mapped[dt.date | None]
    benefits_rate_basis_points: so.Mapped[int] = so.mapped_column(sa.Integer, default=3_645)  # 36.45%
    pay_raise_basis_points: so.Mapped[int] = so.mapped_column(sa.Integer, default=200)  # 2.0% a year

    __mapper_args__ = {"version_id_col": RequestMixin.version}

    @property
    def fte(self) -> Decimal:
        return Decimal(self.fte_basis_points) / 10_000

    @property
    def benefits_rate_percent(self) -> Decimal:
        return Decimal(self.benefits_rate_basis_points) / 100


class RequestComment(db.Model):
    """A comment on a request: a decision's reason, a question, an answer."""

    __tablename__ = "request_comment"
    __table_args__ = (sa.Index("ix_request_comment_request", "request_kind", "request_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    request_kind: so.Mapped[str] = so.mapped_column(sa.String(16))  # travel | staffing
    request_id: so.Mapped[int]
    author_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user_account.id"))
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    author: so.Mapped[User] = so.relationship()
