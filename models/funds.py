"""Funds: appropriations (with their period of availability) and directives."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
import sqlalchemy.orm as so

from models.base import db, enum_type


class FundsCategory(enum.StrEnum):
    FOREIGN_ASSISTANCE = "foreign_assistance"
    OPERATIONS = "operations"


class Appropriation(db.Model):
    """An account for a fiscal year: INCLE FY2026 two-year, Diplomatic Programs FY2026..."""

    __tablename__ = "appropriation"
    __table_args__ = (
        sa.UniqueConstraint("account_code", "fiscal_year"),
        sa.CheckConstraint("enacted_cents >= 0", name="enacted_nonnegative"),
        sa.CheckConstraint("allotted_cents <= apportioned_cents", name="allotted_within_apportioned"),
        sa.CheckConstraint("apportioned_cents <= enacted_cents", name="apportioned_within_enacted"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    account_code: so.Mapped[str] = so.mapped_column(sa.String(32))
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    category: so.Mapped[FundsCategory] = so.mapped_column(enum_type(FundsCategory))
    fiscal_year: so.Mapped[int] = so.mapped_column(sa.ForeignKey("fiscal_year.year"), index=True)
    # Years of availability: 1 (one-year), 2 (two-year INCLE/ESF), ...; None = no-year.
    availability_years: so.Mapped[int | None] = so.mapped_column(sa.Integer)
    enacted_cents: so.Mapped[int] = so.mapped_column(default=0)
    apportioned_cents: so.Mapped[int] = so.mapped_column(default=0)
    allotted_cents: so.Mapped[int] = so.mapped_column(default=0)
    version: so.Mapped[int] = so.mapped_column(sa.Integer, default=1)

    directives: so.Mapped[list[Directive]] = so.relationship(
        back_populates="appropriation", cascade="all, delete-orphan", order_by="Directive.id"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def label(self) -> str:
        return f"{self.account_code} FY{self.fiscal_year}"

    @property
    def availability_label(self) -> str:
        if self.availability_years is None:
            return "no-year"
        if self.availability_years == 1:
            return "one-year"
        return f"{self.availability_years}-year"

    @property
    def expires_on(self) -> dt.date | None:
        """Last day the funds may be newly obligated (end of the period of availability)."""
        if self.availability_years is None:
            return None
        return dt.date(self.fiscal_year + self.availability_years - 1, 9, 30)

    @property
    def cancels_on(self) -> dt.date | None:
        """Expired accounts are cancelled on 30 September of the fifth fiscal year after expiry."""
        expires = self.expires_on
        return None if expires is None else dt.date(expires.year + 5, 9, 30)

    def is_expired(self, today: dt.date) -> bool:
        return self.expires_on is not None and today > self.expires_on

    def expires_within(self, today: dt.date, days: int) -> bool:
        expires = self.expires_on
        return expires is not None and today <= expires <= today + dt.timedelta(days=days)


class Directive(db.Model):
    """A legal earmark: "not less than $X for ..." on an appropriation."""

    __tablename__ = "directive"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    appropriation_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("appropriation.id"), index=True)
    label: so.Mapped[str] = so.mapped_column(sa.String(255))
    min_cents: so.Mapped[int | None]
    max_cents: so.Mapped[int | None]
    # Which cells it covers, by dimension code: {"region": ["AF"], "priority": ["protection"]}.
    where: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    citation: so.Mapped[str] = so.mapped_column(sa.String(255), default="")

    appropriation: so.Mapped[Appropriation] = so.relationship(back_populates="directives")
