"""Programs, part one: awards and their funding schedules (the out-year mortgage)."""

from __future__ import annotations

import datetime as dt
import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from models.base import db, enum_type, utcnow
from models.organisation import Division
from models.reference import Country, Priority, ProgramType, Region


class AwardStatus(enum.StrEnum):
    PENDING = "pending"  # selected or in negotiation: the money is committed
    ACTIVE = "active"  # signed: the money is obligated
    CLOSED = "closed"  # performance over; its funding stays obligated in its years

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Award(db.Model):
    """A grant or cooperative agreement with an implementing partner."""

    __tablename__ = "award"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    number: so.Mapped[str] = so.mapped_column(sa.String(40), unique=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    partner: so.Mapped[str] = so.mapped_column(sa.String(200))
    division_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("division.id"), index=True)
    program_type_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("program_type.id"), index=True)
    region_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("region.id"), index=True)
    # None for a regional or global award.
    country_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("country.id"), index=True)
    priority_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("priority.id"), index=True)
    starts_on: so.Mapped[dt.date]
    ends_on: so.Mapped[dt.date]
    total_cents: so.Mapped[int] = so.mapped_column(default=0)
    obligated_cents: so.Mapped[int] = so.mapped_column(default=0)
    expended_cents: so.Mapped[int] = so.mapped_column(default=0)
    status: so.Mapped[AwardStatus] = so.mapped_column(enum_type(AwardStatus), default=AwardStatus.PENDING, index=True)
    monitoring_notes: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # The proposal this award came from, when it came from a selection.
    proposal_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("proposal.id", ondelete="SET NULL"), unique=True
    )
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    version: so.Mapped[int] = so.mapped_column(sa.Integer, default=1)

    division: so.Mapped[Division] = so.relationship()
    program_type: so.Mapped[ProgramType] = so.relationship()
    region: so.Mapped[Region] = so.relationship()
    country: so.Mapped[Country | None] = so.relationship()
    priority: so.Mapped[Priority] = so.relationship()
    funding: so.Mapped[list[AwardFunding]] = so.relationship(
        back_populates="award",
        cascade="all, delete-orphan",
        order_by="(AwardFunding.fiscal_year, AwardFunding.account_code)",
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def label(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def place(self) -> str:
        return self.country.name if self.country else f"{self.region.name} (regional)"

    @property
    def unexpended_cents(self) -> int:
        """The pipeline: obligated and not yet spent."""
        return self.obligated_cents - self.expended_cents

    @property
    def scheduled_cents(self) -> int:
        return sum(row.amount_cents for row in self.funding)


class AwardFunding(db.Model):
    """What one fiscal year's appropriation of an account must provide to an award.

    Keyed by account code and fiscal year rather than by appropriation: out-year
    appropriations are not enacted yet, and the mortgage is exactly the claim on them.
    """

    __tablename__ = "award_funding"
    __table_args__ = (
        sa.UniqueConstraint("award_id", "fiscal_year", "account_code"),
        sa.Index("ix_award_funding_year_account", "fiscal_year", "account_code"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    award_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("award.id", ondelete="CASCADE"))
    fiscal_year: so.Mapped[int] = so.mapped_column(sa.ForeignKey("fiscal_year.year"))
    account_code: so.Mapped[str] = so.mapped_column(sa.String(32))
    amount_cents: so.Mapped[int] = so.mapped_column(default=0)

    award: so.Mapped[Award] = so.relationship(back_populates="funding")
