"""Spending profiles: how a manual line is phased (front-loaded, back-loaded, percentages typed in),
against hand-computed month cents; refused input; the audit trail; the scenario's month × appropriation
table."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa
from helpers import user

from models import (
    Appropriation,
    AuditEvent,
    BudgetLine,
    Division,
    FundsCategory,
    LineSource,
    ObjectClass,
    Scenario,
    ScenarioKind,
    SpendingProfile,
    db,
)
from models.spending import ProfileKind
from services.errors import ConflictError, ValidationError
from services.execution.profiles import MONTH_NAMES, ProfileInput, profile_table, profile_version, set_profile
from services.execution.spend_plan import Month, PlanLine, _weights, fiscal_year_months, scenario_spend_plan, spend_plan

AS_OF = dt.date(2027, 1, 15)
FY2027 = fiscal_year_months(2027)


def _dimension(code: str, model):
    return db.session.scalar(sa.select(model).where(model.code == code))


def _funds(code: str, years: int | None = 1, fiscal_year: int = 2027) -> Appropriation:
    funds = Appropriation(
        account_code=code,
        title=f"{code} for profiles",
        category=FundsCategory.FOREIGN_ASSISTANCE,
        fiscal_year=fiscal_year,
        availability_years=years,
        enacted_cents=10**12,
        apportioned_cents=10**12,
        allotted_cents=10**12,
    )
    db.session.add(funds)
    db.session.flush()
    return funds


def _scenario(name: str = "Profiles plan") -> Scenario:
    scenario = Scenario(name=name, budget_year=2027, kind=ScenarioKind.PLAN)
    db.session.add(scenario)
    db.session.flush()
    return scenario


def _line(scenario, funds, cents, *, division="IP", object_class="41.0", year=2027, source=LineSource.MANUAL):
    db.session.add(
        BudgetLine(
            scenario_id=scenario.id,
            fiscal_year=year,
            appropriation_id=funds.id,
            division_id=_dimension(division, Division).id,
            object_class_id=_dimension(object_class, ObjectClass).id,
            amount_cents=cents,
            source=source,
        )
    )
    db.session.flush()


def _set(funds, kind: ProfileKind, division="IP", object_class="41.0", **months):
    division, object_class = _dimension(division, Division), _dimension(object_class, ObjectClass)
    return set_profile(
        user("rm@example.gov"),
        funds,
        division,
        object_class,
        ProfileInput(kind=kind, **{name: Decimal(value) for name, value in months.items()}),
        profile_version(funds, division, object_class),
    )


def _planned(funds, scenario) -> list[int]:
    return list(spend_plan(funds, scenario, AS_OF).planned_cents)


def test_78000_front_loaded_is_12000_in_october_down_to_1000_in_september(app):
    funds, scenario = _funds("PROF"), _scenario()
    _line(scenario, funds, 7_800_000)
    _set(funds, ProfileKind.FRONT_LOADED)
    assert _planned(funds, scenario) == [dollars * 100_000 for dollars in range(12, 0, -1)]


def test_78000_back_loaded_is_1000_in_october_up_to_12000_in_september(app):
    funds, scenario = _funds("PROF"), _scenario()
    _line(scenario, funds, 7_800_000)
    _set(funds, ProfileKind.BACK_LOADED)
    assert _planned(funds, scenario) == [dollars * 100_000 for dollars in range(1, 13)]


def test_one_dollar_front_loaded_rounds_once_by_largest_remainder(app):
    # Exact cents 100×12/78 = 15.38, 14.10, 12.82, 11.54, 10.26, 8.97, 7.69, 6.41, 5.13, 3.85, 2.56, 1.28:
    # 94 cents rounded down; the 6 left go to the largest fractions: .97 (Mar), .85 (Jul), .82 (Dec),
    # .69 (Apr), .56 (Aug), .54 (Jan).
    funds, scenario = _funds("PROF"), _scenario()
    _line(scenario, funds, 100)
    _set(funds, ProfileKind.FRONT_LOADED)
    assert _planned(funds, scenario) == [15, 14, 13, 12, 10, 9, 8, 6, 5, 4, 3, 1]


def test_percentages_typed_in_phase_the_line_by_them(app):
    funds, scenario = _funds("PROF"), _scenario()
    _line(scenario, funds, 100_000)  # $1,000.00
    _set(funds, ProfileKind.CUSTOM, october="12.5", january="33.33", june="54.17")
    expected = [0] * 12
    expected[0], expected[3], expected[8] = 12_500, 33_330, 54_170
    assert _planned(funds, scenario) == expected


def test_a_profile_phases_only_its_division_and_object_class(app):
    funds, scenario = _funds("PROF"), _scenario()
    _line(scenario, funds, 7_800_000)
    _line(scenario, funds, 1_200_000, division="RPA")  # even: $1,000.00 a month
    _set(funds, ProfileKind.FRONT_LOADED)
    assert _planned(funds, scenario) == [dollars * 100_000 + 100_000 for dollars in range(12, 0, -1)]


def test_lines_from_trips_keep_their_month_whatever_the_profile():
    ip_grants = (1, 2)
    profiles = {ip_grants: tuple(range(12, 0, -1))}
    trip = PlanLine(100, 2027, LineSource.TRAVEL, 7, *ip_grants, None, None)
    weights = _weights(trip, FY2027, {(LineSource.TRAVEL, 7): dt.date(2027, 2, 10)}, profiles)
    assert weights == {Month(2027, 2): 1}
    manual = PlanLine(100, 2027, LineSource.MANUAL, None, *ip_grants, None, None)
    assert _weights(manual, FY2027, {}, profiles)[Month(2026, 10)] * 78 == 12


def test_a_profile_over_a_year_outside_the_period_falls_back_to_even():
    line = PlanLine(100, 2029, LineSource.MANUAL, None, 1, 2, None, None)
    weights = _weights(line, FY2027, {}, {(1, 2): tuple(range(1, 13))})
    assert set(weights) == set(FY2027)
    assert all(weight * 12 == 1 for weight in weights.values())


def _profile_rows() -> int:
    return db.session.scalar(sa.select(sa.func.count(SpendingProfile.id)))


def test_percentages_that_do_not_add_up_to_100_are_refused_naming_the_field_and_nothing_is_saved(app):
    funds = _funds("PROF")
    before = _profile_rows()
    with pytest.raises(ValidationError) as refused:
        _set(funds, ProfileKind.CUSTOM, october="50", november="49.99")
    assert "99.99" in refused.value.fields["kind"]
    assert _profile_rows() == before


def test_a_percentage_with_three_places_or_above_100_is_refused_on_its_month(app):
    funds = _funds("PROF")
    with pytest.raises(ValidationError) as refused:
        _set(funds, ProfileKind.CUSTOM, october="50.005", march="49.995", july="101")
    assert set(refused.value.fields) == {"october", "march", "july"}
    assert db.session.scalar(sa.select(SpendingProfile).where(SpendingProfile.appropriation_id == funds.id)) is None


def test_a_profile_change_is_audited_and_even_deletes_the_saved_profile(app):
    funds = _funds("PROF")
    _set(funds, ProfileKind.CUSTOM, october="40", september="60")
    _set(funds, ProfileKind.EVEN)
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "spending_profile.update", AuditEvent.entity_id == funds.id)
        .order_by(AuditEvent.id)
    ).all()
    custom = ["40.00"] + ["0.00"] * 10 + ["60.00"]
    assert [(event.before["kind"], event.after["kind"]) for event in events] == [
        ("even", "custom"),
        ("custom", "even"),
    ]
    assert events[0].after == {"division": "IP", "object_class": "41.0", "kind": "custom", "percentages": custom}
    assert events[0].user_id == user("rm@example.gov").id
    assert db.session.scalar(sa.select(SpendingProfile).where(SpendingProfile.appropriation_id == funds.id)) is None


def test_the_profile_table_lists_what_each_profile_phases_in_the_scenario(app):
    funds, scenario = _funds("PROF"), _scenario()
    _line(scenario, funds, 7_800_000)
    _line(scenario, funds, 5_000, source=LineSource.TRAVEL)  # phased by its trip, not listed
    _line(scenario, funds, 250_000, division="RPA", object_class="21.0")
    _set(funds, ProfileKind.BACK_LOADED, division="RPA", object_class="21.0")
    rows = [
        (row.division.code, row.object_class.code, row.kind, row.amount_cents) for row in profile_table(funds, scenario)
    ]
    assert rows == [
        ("IP", "41.0", ProfileKind.EVEN, 7_800_000),
        ("RPA", "21.0", ProfileKind.BACK_LOADED, 250_000),
    ]


def test_the_scenario_spend_plan_is_a_month_by_appropriation_table_adding_up_to_the_cent(app):
    scenario = _scenario()
    one_year, two_year = _funds("PONE"), _funds("PTWO", years=2)
    _line(scenario, one_year, 7_800_000)
    _set(one_year, ProfileKind.FRONT_LOADED)
    _line(scenario, two_year, 1_200_005)  # even over FY2027: $1,000.00 a month, the 5 cents Oct..Feb
    _line(scenario, two_year, 2_400_000, year=2028)  # even over FY2028: $2,000.00 a month
    plan = scenario_spend_plan(scenario, AS_OF)
    assert [str(month) for month in plan.months] == [str(month) for month in FY2027 + fiscal_year_months(2028)]
    assert [appropriation.label for appropriation, _ in plan.columns] == ["PONE FY2027", "PTWO FY2027"]
    one, two = (cents for _, cents in plan.columns)
    assert one == tuple(dollars * 100_000 for dollars in range(12, 0, -1)) + (0,) * 12
    assert two == (100_001,) * 5 + (100_000,) * 7 + (200_000,) * 12
    assert plan.month_totals[0] == 1_300_001
    assert plan.column_totals == (7_800_000, 3_600_005)
    assert plan.total_cents == 11_400_005
    assert sum(plan.month_totals) == plan.total_cents


def test_the_form_input_has_a_percentage_a_month_named_october_to_september():
    assert (MONTH_NAMES[0], MONTH_NAMES[-1], len(MONTH_NAMES)) == ("october", "september", 12)


def test_a_profile_changed_since_it_was_read_is_refused(app):
    funds = _funds("PROF")
    division, object_class = _dimension("IP", Division), _dimension("41.0", ObjectClass)
    read_at = profile_version(funds, division, object_class)  # 0: none saved yet
    _set(funds, ProfileKind.FRONT_LOADED)  # someone else saves first
    with pytest.raises(ConflictError, match="since you opened it"):
        set_profile(
            user("rm@example.gov"), funds, division, object_class, ProfileInput(kind=ProfileKind.BACK_LOADED), read_at
        )
