"""Status of funds and the Antideficiency Act control."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa
from helpers import appropriation, plan_scenario, program_line, user

from models import Appropriation, BudgetLine, FundsControl, Scenario, db
from services.budget import lines as budget_lines
from services.errors import FundsError, ValidationError
from services.funds.control import status_of
from services.office import settings


def _planned_cents(scenario: Scenario, appropriation: Appropriation) -> int:
    lines = db.session.scalars(
        sa.select(BudgetLine).where(
            BudgetLine.scenario_id == scenario.id, BudgetLine.appropriation_id == appropriation.id
        )
    )
    return sum(line.amount_cents for line in lines)


def test_available_is_allotted_less_everything_planned(app):
    incle = appropriation("INCLE", 2027)
    status = status_of(incle, plan_scenario(), dt.date(2026, 11, 28))
    assert status.planned_cents == _planned_cents(plan_scenario(), incle)
    assert status.available_cents == incle.allotted_cents - status.planned_cents


def test_exactly_the_available_amount_is_allowed_one_cent_more_is_refused(app):
    incle = appropriation("INCLE", 2027)
    rm = user("rm@example.gov")
    available = incle.allotted_cents - _planned_cents(plan_scenario(), incle)
    count = db.session.scalar(sa.select(sa.func.count(BudgetLine.id)))
    with pytest.raises(FundsError) as refused:
        budget_lines.create_line(rm, program_line(incle, f"{Decimal(available + 1) / 100:.2f}"))
    assert "would be overdrawn" in refused.value.message
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(BudgetLine.id))) == count
    _, warning = budget_lines.create_line(rm, program_line(incle, f"{Decimal(available) / 100:.2f}"))
    assert warning is None
    assert status_of(incle, plan_scenario(), dt.date.today()).available_cents == 0


def test_warn_setting_saves_and_says_so(app):
    incle = appropriation("INCLE", 2027)
    settings.set_funds_control(user("admin@example.gov"), FundsControl.WARN)
    line, warning = budget_lines.create_line(user("rm@example.gov"), program_line(incle, "999999999"))
    assert line.id is not None
    assert "overdrawn" in warning
    assert status_of(incle, plan_scenario(), dt.date.today()).is_overdrawn


def test_reducing_an_overdrawn_line_is_always_allowed(app):
    incle = appropriation("INCLE", 2027)
    settings.set_funds_control(user("admin@example.gov"), FundsControl.WARN)
    line, _ = budget_lines.create_line(user("rm@example.gov"), program_line(incle, "999999999"))
    settings.set_funds_control(user("admin@example.gov"), FundsControl.REFUSE)
    warning = budget_lines.update_line(user("rm@example.gov"), line, program_line(incle, "1000"), line.version)
    assert warning is None


@pytest.mark.parametrize(
    ("code", "year", "expires", "cancels"),
    [
        ("INCLE", 2026, dt.date(2027, 9, 30), dt.date(2032, 9, 30)),  # two-year: FY2026–FY2027
        ("DP", 2026, dt.date(2026, 9, 30), dt.date(2031, 9, 30)),
    ],  # one-year
)
def test_expiry_and_cancellation(app, code, year, expires, cancels):
    funds = appropriation(code, year)
    assert funds.expires_on == expires
    assert funds.cancels_on == cancels


def test_expiry_warning_within_90_days(app):
    incle = appropriation("INCLE", 2026)  # expires 2027-09-30
    assert status_of(incle, plan_scenario(), dt.date(2027, 7, 2)).expires_soon  # 90 days before
    assert not status_of(incle, plan_scenario(), dt.date(2027, 7, 1)).expires_soon  # 91 days before
    assert not status_of(incle, plan_scenario(), dt.date(2027, 10, 1)).expires_soon  # expired already
    assert status_of(incle, plan_scenario(), dt.date(2027, 10, 1)).is_expired


def test_line_outside_the_period_of_availability_is_refused(app):
    dp_2026 = appropriation("DP", 2026)  # one-year: FY2026 only
    with pytest.raises(ValidationError) as refused:
        budget_lines.create_line(user("rm@example.gov"), program_line(dp_2026, "10"))
    assert "fiscal_year" in refused.value.fields
