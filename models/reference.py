"""Reference data: fiscal years, regions, countries and tiers, the Ps, program types,
object classes and per diem rates. Codes are the stable keys used by the API."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

from models.base import db


class FiscalYear(db.Model):
    __tablename__ = "fiscal_year"

    year: so.Mapped[int] = so.mapped_column(sa.Integer, primary_key=True, autoincrement=False)

    @property
    def starts_on(self) -> dt.date:
        return dt.date(self.year - 1, 10, 1)

    @property
    def ends_on(self) -> dt.date:
        return dt.date(self.year, 9, 30)

    @property
    def label(self) -> str:
        return f"FY{self.year}"


def fiscal_year_of(day: dt.date) -> int:
    """Fiscal year N runs from 1 October of N-1 to 30 September of N."""
    return day.year + 1 if day.month >= 10 else day.year


class Region(db.Model):
    __tablename__ = "region"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(16), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))


class Country(db.Model):
    __tablename__ = "country"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    iso3: so.Mapped[str] = so.mapped_column(sa.String(3), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    region_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("region.id"), index=True)

    region: so.Mapped[Region] = so.relationship()
    tiers: so.Mapped[list[CountryTier]] = so.relationship(back_populates="country", order_by="CountryTier.report_year")

    def tier_in(self, report_year: int) -> str | None:
        for tier in self.tiers:
            if tier.report_year == report_year:
                return tier.tier
        return None


class CountryTier(db.Model):
    """A country's Trafficking in Persons Report tier for one report year."""

    __tablename__ = "country_tier"
    __table_args__ = (sa.UniqueConstraint("country_id", "report_year"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    country_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("country.id"))
    report_year: so.Mapped[int] = so.mapped_column(sa.Integer)
    tier: so.Mapped[str] = so.mapped_column(sa.String(32))

    country: so.Mapped[Country] = so.relationship(back_populates="tiers")


class Priority(db.Model):
    __tablename__ = "priority"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    sort_order: so.Mapped[int] = so.mapped_column(sa.Integer, default=0)


class ProgramType(db.Model):
    __tablename__ = "program_type"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))


class ObjectClass(db.Model):
    __tablename__ = "object_class"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(8), unique=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(160))
    group: so.Mapped[str] = so.mapped_column(sa.String(120))

    @property
    def label(self) -> str:
        return f"{self.code} {self.title}"


class PerDiemRate(db.Model):
    """A foreign per diem maximum rate for a location and season (whole dollars)."""

    __tablename__ = "per_diem_rate"
    __table_args__ = (sa.Index("ix_per_diem_rate_place", "country_name", "location"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    country_name: so.Mapped[str] = so.mapped_column(sa.String(120))
    country_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("country.id"))
    location: so.Mapped[str] = so.mapped_column(sa.String(160))
    season_code: so.Mapped[str] = so.mapped_column(sa.String(8))
    season_start: so.Mapped[dt.date]
    season_end: so.Mapped[dt.date]
    lodging_cents: so.Mapped[int]
    mie_cents: so.Mapped[int]
    effective_on: so.Mapped[dt.date | None]
    published: so.Mapped[str] = so.mapped_column(sa.String(40))


class TravelPurpose(db.Model):
    """Why people travel: a list the office edits (monitoring visit, conference, ...)."""

    __tablename__ = "travel_purpose"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120), unique=True)
    active: so.Mapped[bool] = so.mapped_column(default=True)


class CityPairFare(db.Model):
    """A typical round-trip economy fare between two cities (an office-maintained table)."""

    __tablename__ = "city_pair_fare"
    __table_args__ = (sa.UniqueConstraint("origin", "destination"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    origin: so.Mapped[str] = so.mapped_column(sa.String(120))  # city name, as the traveler types it
    destination: so.Mapped[str] = so.mapped_column(sa.String(120))
    fare_cents: so.Mapped[int]


class PayRate(db.Model):
    """Annual basic pay for a pay plan, grade and step, with locality, for a pay year."""

    __tablename__ = "pay_rate"
    __table_args__ = (sa.UniqueConstraint("pay_plan", "grade", "step", "year"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    pay_plan: so.Mapped[str] = so.mapped_column(sa.String(8))  # GS, FS
    grade: so.Mapped[int] = so.mapped_column(sa.Integer)
    step: so.Mapped[int] = so.mapped_column(sa.Integer)
    year: so.Mapped[int] = so.mapped_column(sa.Integer)  # calendar year of the table
    annual_cents: so.Mapped[int]  # with locality
    locality: so.Mapped[str] = so.mapped_column(sa.String(80))
    source: so.Mapped[str] = so.mapped_column(sa.String(200))
