"""Reference tables an administrator keeps: travel purposes, city-pair fares, the pay table."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import sqlalchemy as sa

from models import CityPairFare, Division, PayRate, TravelPurpose, User, db
from money import MoneyError, parse_money, to_cents
from services.audit.events import record_event, snapshot
from services.errors import ValidationError

PAY_COLUMNS = ("pay_plan", "grade", "step", "year", "annual", "locality", "source")
PAY_LIMITS = {"GS": (15, 10), "FS": (9, 14)}
MAX_PAY_ROWS = 5_000


def list_purposes() -> list[TravelPurpose]:
    return list(db.session.scalars(sa.select(TravelPurpose).order_by(TravelPurpose.name)))


def list_fares() -> list[CityPairFare]:
    return list(db.session.scalars(sa.select(CityPairFare).order_by(CityPairFare.origin, CityPairFare.destination)))


def pay_tables() -> list[sa.Row]:
    """Each loaded pay table, newest year first: pay plan, year, number of rates, source."""
    return list(
        db.session.execute(
            sa.select(PayRate.pay_plan, PayRate.year, sa.func.count(PayRate.id), sa.func.max(PayRate.source))
            .group_by(PayRate.pay_plan, PayRate.year)
            .order_by(PayRate.year.desc(), PayRate.pay_plan)
        )
    )


def add_purpose(actor: User, name: str) -> TravelPurpose:
    name = name.strip()
    if db.session.scalar(sa.select(TravelPurpose.id).where(TravelPurpose.name == name)) is not None:
        raise ValidationError("That purpose exists.", fields={"name": "Already in the list."})
    purpose = TravelPurpose(name=name, active=True)
    db.session.add(purpose)
    db.session.flush()
    record_event(actor, "travel_purpose.create", "travel_purpose", purpose.id, after=snapshot(purpose))
    return purpose


def set_purpose_active(actor: User, purpose: TravelPurpose, active: bool) -> None:
    before = snapshot(purpose)
    purpose.active = active
    db.session.flush()
    record_event(actor, "travel_purpose.update", "travel_purpose", purpose.id, before=before, after=snapshot(purpose))


def list_divisions() -> list[Division]:
    return list(db.session.scalars(sa.select(Division).order_by(Division.name)))


def set_division_manages_programs(actor: User, division: Division, manages: bool) -> None:
    """Grant or withdraw the right to manage programs (notices, proposals, awards: services.permissions).
    One division at least keeps it: allocated program lines and new awards are the first such division's."""
    if not manages and division.manages_programs:
        others = sa.select(sa.func.count(Division.id)).where(Division.manages_programs, Division.id != division.id)
        if not db.session.scalar(others):
            raise ValidationError(
                f"{division.name} is the only division that manages programs: grant another one first.",
                fields={"division": "The last division that manages programs."},
            )
    before = snapshot(division)
    division.manages_programs = manages
    db.session.flush()
    record_event(actor, "division.update", "division", division.id, before=before, after=snapshot(division))


def save_fare(actor: User, origin: str, destination: str, fare: Decimal) -> CityPairFare:
    """Add a city pair, or change its fare (the pair is the key, matched without regard to case)."""
    origin, destination = origin.strip(), destination.strip()
    existing = db.session.scalar(
        sa.select(CityPairFare).where(
            sa.func.lower(CityPairFare.origin) == origin.lower(),
            sa.func.lower(CityPairFare.destination) == destination.lower(),
        )
    )
    before = snapshot(existing) if existing else None
    record = existing or CityPairFare(origin=origin, destination=destination)
    record.fare_cents = to_cents(fare)
    db.session.add(record)
    db.session.flush()
    record_event(
        actor,
        "city_pair_fare.update" if existing else "city_pair_fare.create",
        "city_pair_fare",
        record.id,
        before=before,
        after=snapshot(record),
    )
    return record


def delete_fare(actor: User, fare: CityPairFare) -> None:
    before, fare_id = snapshot(fare), fare.id
    db.session.delete(fare)
    db.session.flush()
    record_event(actor, "city_pair_fare.delete", "city_pair_fare", fare_id, before=before)


def _pay_row(line: int, row: dict[str, str]) -> dict:
    def fail(column: str, message: str):
        text = f"Row {line}, column {column}: {message}."
        raise ValidationError(text, fields={"file": text})

    plan = (row.get("pay_plan") or "").strip().upper()
    if plan not in PAY_LIMITS:
        fail("pay_plan", "use GS or FS")
    numbers = {}
    for column in ("grade", "step", "year"):
        text = (row.get(column) or "").strip()
        if not text.isascii() or not text.isdigit() or len(text) > 9:  # int() raises past 4,300 digits
            fail(column, "a whole number")
        numbers[column] = int(text)
    max_grade, max_step = PAY_LIMITS[plan]
    if not 1 <= numbers["grade"] <= max_grade:
        fail("grade", f"{plan} grades run 1 to {max_grade}")
    if not 1 <= numbers["step"] <= max_step:
        fail("step", f"{plan} steps run 1 to {max_step}")
    if not 2000 <= numbers["year"] <= 2100:
        fail("year", "a calendar year")
    try:
        annual = parse_money(row.get("annual") or "", allow_grouping=True)
    except MoneyError as exc:
        fail("annual", str(exc))
    if annual <= 0:
        fail("annual", "more than zero")
    return {
        "pay_plan": plan,
        **numbers,
        "annual_cents": to_cents(annual),
        "locality": (row.get("locality") or "").strip()[:80],
        "source": (row.get("source") or "").strip()[:200],
    }


def load_pay_table(actor: User, content: bytes) -> int:
    """Replace the pay table rows of each (pay plan, year) the CSV names; nothing changes if any row is bad."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        message = "The file is not UTF-8 text: save it as CSV (UTF-8)."
        raise ValidationError(message, fields={"file": message}) from exc
    reader = csv.DictReader(io.StringIO(text))
    missing = [column for column in PAY_COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        message = f"The CSV needs the columns {', '.join(PAY_COLUMNS)}; missing {', '.join(missing)}."
        raise ValidationError(message, fields={"file": message})
    rows = []
    for line, row in enumerate(reader, start=2):
        if len(rows) >= MAX_PAY_ROWS:
            message = f"More than {MAX_PAY_ROWS} rows: load one pay plan and year at a time."
            raise ValidationError(message, fields={"file": message})
        rows.append(_pay_row(line, row))
    if not rows:
        raise ValidationError("The CSV has no rows.", fields={"file": "The CSV has no rows."})
    keys = {(r["pay_plan"], r["grade"], r["step"], r["year"]) for r in rows}
    if len(keys) != len(rows):
        message = "A pay plan, grade, step and year appear twice."
        raise ValidationError(message, fields={"file": message})
    tables = sorted({(r["pay_plan"], r["year"]) for r in rows})
    for plan, year in tables:
        db.session.execute(sa.delete(PayRate).where(PayRate.pay_plan == plan, PayRate.year == year))
    db.session.add_all(PayRate(**row) for row in rows)
    db.session.flush()
    record_event(
        actor,
        "pay_table.load",
        "pay_rate",
        None,
        after={"tables": [f"{plan} {year}" for plan, year in tables], "rows": len(rows)},
    )
    return len(rows)
