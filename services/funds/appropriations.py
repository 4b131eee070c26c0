"""Creating and changing appropriations."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from models import Appropriation, FiscalYear, FundsCategory, User, db
from money import to_cents
from services import inputs
from services.audit.events import record_event, snapshot
from services.errors import ConflictError, ValidationError
from services.programs.awards import write_account_year_award_lines


@dataclass(frozen=True)
class AppropriationInput:
    account_code: str = inputs.text("Account code", max_length=32)
    title: str = inputs.text("Title", max_length=200)
    category: FundsCategory = inputs.choice("Category", FundsCategory)
    fiscal_year: int = inputs.year("First fiscal year")
    availability_years: int | None = inputs.integer(
        "Years of availability (blank for no-year)", minimum=1, maximum=10, nullable=True
    )
    enacted: Decimal = inputs.money("Enacted", minimum=Decimal(0), message="Amounts can't be negative.")
    apportioned: Decimal = inputs.money("Apportioned", minimum=Decimal(0), message="Amounts can't be negative.")
    allotted: Decimal = inputs.money("Allotted", minimum=Decimal(0), message="Amounts can't be negative.")

    RULES: ClassVar = (
        inputs.Rule(("apportioned", "allotted"), "Allotted can't exceed apportioned, nor apportioned enacted."),
        inputs.Rule(("account_code",), "One appropriation an account code and first fiscal year."),
    )


def _validate(data: AppropriationInput, existing: Appropriation | None = None) -> None:
    errors = inputs.check(data)
    if "fiscal_year" not in errors and db.session.get(FiscalYear, data.fiscal_year) is None:
        errors["fiscal_year"] = "No such fiscal year."
    amounts_read = not errors.keys() & {"enacted", "apportioned", "allotted"}
    if amounts_read and data.apportioned > data.enacted:
        errors["apportioned"] = "Apportioned can't exceed enacted."
    if amounts_read and data.allotted > data.apportioned:
        errors["allotted"] = "Allotted can't exceed apportioned."
    duplicate = db.session.scalar(
        sa.select(Appropriation.id).where(
            Appropriation.account_code == data.account_code.strip(),
            Appropriation.fiscal_year == data.fiscal_year,
        )
    )
    if duplicate is not None and (existing is None or duplicate != existing.id):
        errors["account_code"] = f"{data.account_code} FY{data.fiscal_year} exists already."
    if errors:
        raise ValidationError("Check the highlighted fields.", fields=errors)


def _apply(appropriation: Appropriation, data: AppropriationInput) -> None:
    appropriation.account_code = data.account_code.strip()
    appropriation.title = data.title.strip()
    appropriation.category = data.category
    appropriation.fiscal_year = data.fiscal_year
    appropriation.availability_years = data.availability_years
    appropriation.enacted_cents = to_cents(data.enacted)
    appropriation.apportioned_cents = to_cents(data.apportioned)
    appropriation.allotted_cents = to_cents(data.allotted)


def create_appropriation(actor: User, data: AppropriationInput) -> Appropriation:
    _validate(data)
    appropriation = Appropriation()
    _apply(appropriation, data)
    db.session.add(appropriation)
    db.session.flush()
    write_account_year_award_lines(appropriation.account_code, appropriation.fiscal_year)  # the mortgage comes due
    record_event(actor, "appropriation.create", "appropriation", appropriation.id, after=snapshot(appropriation))
    return appropriation


def update_appropriation(
    actor: User, appropriation: Appropriation, data: AppropriationInput, expected_version: int
) -> None:
    if appropriation.version != expected_version:
        raise ConflictError(
            f"{appropriation.label} was changed by someone else since you opened it. Reload it and try again."
        )
    _validate(data, appropriation)
    before = snapshot(appropriation)
    label = appropriation.label  # the record is unusable after a failed flush
    old_key = (appropriation.account_code, appropriation.fiscal_year)
    _apply(appropriation, data)
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise ConflictError(f"{label} was changed by someone else. Reload it and try again.") from exc
    new_key = (appropriation.account_code, appropriation.fiscal_year)
    if new_key != old_key:  # awards funded from either key now find a different appropriation, or none
        write_account_year_award_lines(*old_key)
        write_account_year_award_lines(*new_key)
    record_event(
        actor, "appropriation.update", "appropriation", appropriation.id, before=before, after=snapshot(appropriation)
    )
