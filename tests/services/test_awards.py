"""Awards: their funding schedules become budget lines in the plans of their years, the status of
funds and the allocation planner count them, and the out-year mortgage adds them up."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
import sqlalchemy as sa
from helpers import appropriation, database_fingerprint, plan_scenario, user

from models import (
    Appropriation,
    Award,
    AwardFunding,
    AwardStatus,
    BudgetLine,
    Country,
    Division,
    FundsCategory,
    FundsControl,
    LineSource,
    LineStage,
    Priority,
    ProgramType,
    Region,
    RunStatus,
    Scenario,
    ScenarioKind,
    ScenarioStatus,
    db,
    fiscal_year_of,
)
from services.allocation.problems import AllocationSettings, build_problem
from services.allocation.runs import apply_run, run_allocation
from services.errors import ConflictError, FundsError, ValidationError
from services.funds.appropriations import AppropriationInput, create_appropriation, update_appropriation
from services.funds.control import status_of, status_table
from services.office import settings
from services.programs.award_queries import AwardFilter, list_awards, mortgage
from services.programs.awards import AwardInput, FundingInput, create_award, update_award
from services.scenarios.records import ScenarioInput, clone_scenario, create_scenario, set_status

TODAY = dt.date(2026, 11, 2)


def _id(model, code: str) -> int:
    return db.session.scalar(sa.select(model.id).where(model.code == code))


def _award(
    number: str = "SSJTIP27TEST0001",
    funding: tuple[tuple[int, str, str], ...] = ((2027, "INCLE", "400000"), (2028, "INCLE", "150000")),
    *,
    total: str | None = None,
    ends_on: dt.date = dt.date(2028, 9, 30),
    region: str = "WHA",
    country: str | None = None,
    **changes,
) -> AwardInput:
    """A pending bilateral protection award in WHA whose total is its schedule's sum unless given."""
    schedule = tuple(FundingInput(year, account, Decimal(amount)) for year, account, amount in funding)
    data = AwardInput(
        number=number,
        title="Shelter and reintegration services for survivors",
        partner="Caribbean Shelter Coalition",
        division_id=_id(Division, "IP"),
        program_type_id=_id(ProgramType, "bilateral"),
        region_id=_id(Region, region),
        country_id=None if country is None else db.session.scalar(sa.select(Country.id).where(Country.iso3 == country)),
        priority_id=_id(Priority, "protection"),
        starts_on=dt.date(2026, 10, 1),
        ends_on=ends_on,
        total=Decimal(total) if total is not None else sum((row.amount for row in schedule), Decimal(0)),
        funding=schedule,
    )
    return dataclasses.replace(data, **changes)


def _award_lines(award_id: int) -> list[BudgetLine]:
    return list(
        db.session.scalars(
            sa.select(BudgetLine).where(BudgetLine.source == LineSource.AWARD, BudgetLine.source_id == award_id)
        )
    )


def _scenario(name: str, year: int) -> Scenario:
    return create_scenario(user("rm@example.gov"), ScenarioInput(name, year, ScenarioKind.PLAN))


def _appropriation(code: str, year: int, allotted: str) -> Appropriation:
    amount = Decimal(allotted)
    return create_appropriation(
        user("rm@example.gov"),
        AppropriationInput(code, f"{code} FY{year}", FundsCategory.FOREIGN_ASSISTANCE, year, 2, amount, amount, amount),
    )


def _set_control(control: FundsControl) -> None:
    settings.set_funds_control(user("admin@example.gov"), control)
    db.session.commit()


def _funding_rows(year: int | None = None) -> list[tuple[AwardFunding, Award]]:
    query = sa.select(AwardFunding, Award).join(Award, AwardFunding.award_id == Award.id)
    if year is not None:
        query = query.where(AwardFunding.fiscal_year == year)
    return list(db.session.execute(query).tuples())


# --- Award lines in the plans ---------------------------------------------------------------------------------------


def test_an_awards_funding_is_committed_in_every_draft_plan_of_its_year(app):
    rm = user("rm@example.gov")
    plan = plan_scenario()
    other = _scenario("FY2027 alternative", 2027)
    frozen = _scenario("FY2027 frozen", 2027)
    set_status(rm, frozen, ScenarioStatus.LOCKED)
    outlook = _scenario("FY2028 outlook", 2028)  # no INCLE FY2028 appropriation yet: the mortgage waits
    incle, esf = appropriation("INCLE", 2027), appropriation("ESF", 2027)
    before = {s.appropriation.id: s for s in status_table(plan, TODAY, [incle, esf])}

    award, warning = create_award(rm, _award())  # FY2027 $400,000 + FY2028 $150,000
    db.session.commit()

    assert warning is None
    lines = _award_lines(award.id)
    assert sorted(line.scenario_id for line in lines) == sorted([plan.id, other.id])  # not frozen, not outlook
    assert frozen.id not in {line.scenario_id for line in lines}
    assert outlook.id not in {line.scenario_id for line in lines}
    for line in lines:
        assert line.amount_cents == 400_000_00
        assert line.fiscal_year == 2027
        assert line.appropriation_id == incle.id
        assert line.object_class.code == "41.0"
        assert line.stage == LineStage.COMMITTED
        assert (line.region.code, line.priority.code, line.program_type.code) == ("WHA", "protection", "bilateral")

    after = {s.appropriation.id: s for s in status_table(plan, TODAY, [incle, esf])}
    assert after[incle.id].planned_cents == before[incle.id].planned_cents + 400_000_00
    assert after[incle.id].committed_cents == before[incle.id].committed_cents + 400_000_00
    assert after[incle.id].obligated_cents == before[incle.id].obligated_cents
    assert after[incle.id].available_cents == before[incle.id].available_cents - 400_000_00
    assert after[esf.id].planned_cents == before[esf.id].planned_cents  # other funds untouched
    assert status_of(incle, plan, TODAY).planned_cents == after[incle.id].planned_cents

    # Signed: the money moves from committed to obligated, and the plan spends no more than before.
    update_award(rm, award, _award(status=AwardStatus.ACTIVE, obligated=Decimal(400_000)), award.version)
    db.session.commit()
    assert [line.stage for line in _award_lines(award.id)] == [LineStage.OBLIGATED, LineStage.OBLIGATED]
    signed = status_of(incle, plan, TODAY)
    # ($400,000 obligated covers FY2027's $400,000; FY2028's $150,000 would stay committed.)
    assert signed.planned_cents == before[incle.id].planned_cents + 400_000_00
    assert signed.committed_cents == before[incle.id].committed_cents
    assert signed.obligated_cents == before[incle.id].obligated_cents + 400_000_00


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        # $100,000 + $40,000 is $140,000, not the $150,000 total
        (
            {"funding": ((2027, "INCLE", "100000"), (2028, "INCLE", "40000")), "total": "150000"},
            "funding",
            "$140,000",
        ),
        ({"funding": ((2027, "INCLE", "100000"), (2027, "INCLE", "50000"))}, "funding[1]", "twice"),
        ({"funding": ((2027, "INCLE", "100000"), (2029, "INCLE", "50000"))}, "funding[1]", "FY2029"),  # ends FY2028
        ({"funding": ((2027, "DP", "100000"),)}, "funding[0]", "DP is not a program account"),
        ({"funding": ((2027, "INCLE", "100000"), (2028, "ESF", "0"))}, "funding[1]", "more than zero"),
        ({"funding": ()}, "funding", "funding schedule"),
        ({"country": "GHA"}, "country", "Ghana"),  # Ghana is in Africa, the award in WHA
        ({"ends_on": dt.date(2026, 9, 30), "funding": ((2026, "INCLE", "1000"),)}, "ends_on", "end after"),
        ({"title": "T" * 201}, "title", "At most 200 characters"),  # the declared limit, whoever calls
    ],
)
def test_an_award_that_does_not_add_up_is_refused_and_nothing_is_written(app, changes, field, says):
    before = database_fingerprint()
    with pytest.raises(ValidationError) as refused:
        create_award(user("rm@example.gov"), _award(**changes))
    assert field in refused.value.fields
    assert says in refused.value.fields[field]
    db.session.rollback()
    assert database_fingerprint() == before


def test_refuse_an_award_that_would_overdraw_the_plan(app):
    _set_control(FundsControl.REFUSE)
    plan, incle = plan_scenario(), appropriation("INCLE", 2027)
    available = status_of(incle, plan, TODAY).available_cents
    assert available > 0
    before = database_fingerprint()

    one_cent_too_much = Decimal(available + 1) / 100
    with pytest.raises(FundsError) as refused:
        create_award(user("rm@example.gov"), _award(funding=((2027, "INCLE", str(one_cent_too_much)),)))
    assert "overdrawn" in refused.value.message
    assert "FY2027 plan" in refused.value.message
    db.session.rollback()
    assert database_fingerprint() == before

    exactly = Decimal(available) / 100
    _, warning = create_award(user("rm@example.gov"), _award(funding=((2027, "INCLE", str(exactly)),)))
    assert warning is None
    assert status_of(incle, plan, TODAY).available_cents == 0


def test_warn_saves_the_award_and_says_so(app):
    _set_control(FundsControl.WARN)
    plan, incle = plan_scenario(), appropriation("INCLE", 2027)
    available = status_of(incle, plan, TODAY).available_cents
    amount = Decimal(available + 250_000_00) / 100

    award, warning = create_award(user("rm@example.gov"), _award(funding=((2027, "INCLE", str(amount)),)))
    db.session.commit()

    assert award.id is not None
    assert "overdrawn" in warning
    assert status_of(incle, plan, TODAY).available_cents == -250_000_00


def test_dropping_a_year_from_the_schedule_removes_its_lines(app):
    rm = user("rm@example.gov")
    plan = plan_scenario()
    outlook = _scenario("FY2028 outlook", 2028)
    incle_2028 = _appropriation("INCLE", 2028, "80000000")
    award, _ = create_award(rm, _award())  # FY2027 $400,000 + FY2028 $150,000
    db.session.commit()
    assert {(line.scenario_id, line.appropriation_id): line.amount_cents for line in _award_lines(award.id)} == {
        (plan.id, appropriation("INCLE", 2027).id): 400_000_00,
        (outlook.id, incle_2028.id): 150_000_00,
    }

    update_award(rm, award, _award(funding=((2027, "INCLE", "550000"),)), award.version)
    db.session.commit()

    assert [(line.scenario_id, line.amount_cents) for line in _award_lines(award.id)] == [(plan.id, 550_000_00)]
    assert [(row.fiscal_year, row.account_code, row.amount_cents) for row in award.funding] == [
        (2027, "INCLE", 550_000_00)
    ]


def test_a_stale_version_is_a_conflict_even_after_a_change_to_the_schedule_alone(app):
    rm = user("rm@example.gov")
    award, _ = create_award(rm, _award())
    db.session.commit()
    opened = award.version

    # Someone moves $50,000 from FY2027 to FY2028: the total and every other field stay the same.
    update_award(rm, award, _award(funding=((2027, "INCLE", "350000"), (2028, "INCLE", "200000"))), opened)
    db.session.commit()
    assert award.version != opened

    before = database_fingerprint()
    with pytest.raises(ConflictError) as refused:
        update_award(rm, award, _award(title="A stale edit"), opened)
    assert award.number in refused.value.message
    db.session.rollback()
    assert database_fingerprint() == before
    assert [row.amount_cents for row in award.funding] == [350_000_00, 200_000_00]


# --- New scenarios and appropriations bring the awards in -----------------------------------------------------------


def _expected_lines(year: int, account: str | None = None) -> dict[int, tuple[int, LineStage]]:
    """award id → (cents, stage) for every award funded in `year` (from `account`), straight from AwardFunding."""
    expected = {}
    for row, award in _funding_rows(year):
        if account is None or row.account_code == account:
            # Obligated once obligations to date reach the schedule's running total through this year.
            through = sum(
                other.amount_cents
                for other in award.funding
                if (other.fiscal_year, other.account_code) <= (row.fiscal_year, row.account_code)
            )
            signed = award.status != AwardStatus.PENDING and award.obligated_cents >= through
            expected[(award.id, row.account_code)] = (
                row.amount_cents,
                LineStage.OBLIGATED if signed else LineStage.COMMITTED,
            )
    return expected


def test_a_new_scenario_starts_with_the_award_lines_of_its_year(app):
    create_award(user("rm@example.gov"), _award())  # a pending one too
    expected = _expected_lines(2027)
    assert len(expected) >= 40
    assert {stage for _, stage in expected.values()} == {LineStage.COMMITTED, LineStage.OBLIGATED}

    scenario = _scenario("FY2027 second look", 2027)
    db.session.commit()

    lines = list(db.session.scalars(sa.select(BudgetLine).where(BudgetLine.scenario_id == scenario.id)))
    assert len(lines) == len(expected)
    assert all(line.source == LineSource.AWARD and line.fiscal_year == 2027 for line in lines)
    assert {
        (line.source_id, line.appropriation.account_code): (line.amount_cents, line.stage) for line in lines
    } == expected


def test_a_new_appropriation_brings_its_years_funding_into_the_draft_plans(app):
    _set_control(FundsControl.REFUSE)
    outlook = _scenario("FY2028 outlook", 2028)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(BudgetLine.id)).where(BudgetLine.scenario_id == outlook.id)) == 0
    expected = _expected_lines(2028, "INCLE")
    assert expected

    incle_2028 = _appropriation("INCLE", 2028, "0")  # entered before any allotment: still accepted
    db.session.commit()

    lines = list(db.session.scalars(sa.select(BudgetLine).where(BudgetLine.scenario_id == outlook.id)))
    assert all(line.appropriation_id == incle_2028.id for line in lines)  # ESF FY2028 is not entered yet
    assert {(line.source_id, "INCLE"): (line.amount_cents, line.stage) for line in lines} == expected
    owed = sum(cents for cents, _ in expected.values())
    assert status_of(incle_2028, outlook, TODAY).available_cents == -owed


def _scenario_award_lines(scenario: Scenario) -> dict[tuple[int, str], tuple[int, LineStage]]:
    return {
        (line.source_id, line.appropriation.account_code): (line.amount_cents, line.stage)
        for line in db.session.scalars(
            sa.select(BudgetLine).where(BudgetLine.scenario_id == scenario.id, BudgetLine.source == LineSource.AWARD)
        )
    }


def test_locked_scenarios_keep_their_snapshot_until_a_clone_or_an_unlock_brings_awards_in(app):
    rm = user("rm@example.gov")
    enacted = db.session.scalar(sa.select(Scenario).where(Scenario.name == "FY2026 enacted"))
    assert enacted.status == ScenarioStatus.LOCKED
    snapshot_lines = _scenario_award_lines(enacted)
    assert snapshot_lines == _expected_lines(2026)  # the demo's enacted year carries its awards
    award, _ = create_award(rm, _award(funding=((2026, "INCLE", "50000"), (2027, "INCLE", "60000"))))
    db.session.commit()
    assert _scenario_award_lines(enacted) == snapshot_lines  # locked: a snapshot, left alone

    copy = clone_scenario(rm, enacted, "FY2026 enacted, reworked")
    db.session.commit()
    assert _scenario_award_lines(copy) == _expected_lines(2026)
    assert _scenario_award_lines(copy)[(award.id, "INCLE")] == (5_000_000, LineStage.COMMITTED)

    set_status(rm, enacted, ScenarioStatus.DRAFT)  # unlock
    db.session.commit()
    assert _scenario_award_lines(enacted) == _expected_lines(2026)


def test_changing_an_appropriations_year_moves_the_award_lines_with_it(app):
    rm = user("rm@example.gov")
    outlook = _scenario("FY2028 outlook", 2028)
    mistyped = _appropriation("INCLE", 2029, "90000000")  # meant FY2028
    db.session.commit()
    assert _scenario_award_lines(outlook) == {}
    update_appropriation(
        rm,
        mistyped,
        AppropriationInput(
            "INCLE", "INCLE FY2028", FundsCategory.FOREIGN_ASSISTANCE, 2028, 2, *(3 * [Decimal(90_000_000)])
        ),
        mistyped.version,
    )
    db.session.commit()
    assert _scenario_award_lines(outlook) == _expected_lines(2028, "INCLE") != {}


def test_a_scenario_whose_year_is_short_of_allotment_can_still_be_created(app):
    _set_control(FundsControl.REFUSE)
    incle_2028 = _appropriation("INCLE", 2028, "0")
    expected = _expected_lines(2028, "INCLE")

    outlook = _scenario("FY2028 outlook", 2028)  # the awards are made: their lines come in, overdrawn or not
    db.session.commit()

    lines = list(db.session.scalars(sa.select(BudgetLine).where(BudgetLine.scenario_id == outlook.id)))
    assert {(line.source_id, "INCLE"): (line.amount_cents, line.stage) for line in lines} == expected
    assert status_of(incle_2028, outlook, TODAY).is_overdrawn


# --- The mortgage in the allocation planner -------------------------------------------------------------------------


def _kept_cents(scenario: Scenario, funds: Appropriation) -> int:
    """What the scenario spends from the fund on lines an allocation keeps: everything but earlier allocation
    lines and program (41.0) lines, except that award lines are kept."""
    lines = db.session.scalars(
        sa.select(BudgetLine).where(BudgetLine.scenario_id == scenario.id, BudgetLine.appropriation_id == funds.id)
    )
    return sum(
        line.amount_cents
        for line in lines
        if line.source != LineSource.ALLOCATION
        and (line.object_class.code != "41.0" or line.source == LineSource.AWARD)
    )


def _awarded_cents(scenario: Scenario, funds: Appropriation) -> int:
    return sum(
        line.amount_cents
        for line in db.session.scalars(
            sa.select(BudgetLine).where(
                BudgetLine.scenario_id == scenario.id,
                BudgetLine.appropriation_id == funds.id,
                BudgetLine.source == LineSource.AWARD,
            )
        )
    )


def test_the_planner_sees_the_awards_as_money_spoken_for(app):
    plan = plan_scenario()
    incle, esf = appropriation("INCLE", 2027), appropriation("ESF", 2027)
    funds = {fund["id"]: fund for fund in build_problem(plan, AllocationSettings())["funds"]}
    for record in (incle, esf):
        assert (
            funds[f"{record.account_code}-FY2027"]["available"]
            == (record.allotted_cents - _kept_cents(plan, record)) // 100
        )
    awarded = _awarded_cents(plan, incle)
    assert awarded > 0
    assert awarded % 100 == 0
    assert f"less ${awarded // 100:,} already awarded" in funds["INCLE-FY2027"]["label"]

    create_award(user("rm@example.gov"), _award(funding=((2027, "INCLE", "250000"), (2028, "INCLE", "100000"))))
    again = {fund["id"]: fund for fund in build_problem(plan, AllocationSettings())["funds"]}

    assert again["INCLE-FY2027"]["available"] == funds["INCLE-FY2027"]["available"] - 250_000
    assert again["ESF-FY2027"]["available"] == funds["ESF-FY2027"]["available"]
    assert f"less ${awarded // 100 + 250_000:,} already awarded" in again["INCLE-FY2027"]["label"]


def test_an_allocation_keeps_the_award_lines_and_never_overdraws_the_plan(app):
    rm = user("rm@example.gov")
    plan = plan_scenario()
    award, _ = create_award(rm, _award(funding=((2027, "INCLE", "300000"),), ends_on=dt.date(2027, 9, 30)))
    db.session.commit()
    program_funds = [appropriation("INCLE", 2027), appropriation("ESF", 2027)]
    award_lines = {
        line.id: (line.source_id, line.appropriation_id, line.amount_cents, line.stage)
        for line in db.session.scalars(
            sa.select(BudgetLine).where(BudgetLine.scenario_id == plan.id, BudgetLine.source == LineSource.AWARD)
        )
    }
    assert award.id in {source_id for source_id, *_ in award_lines.values()}

    allocation_settings = AllocationSettings()
    run = run_allocation(rm, plan, build_problem(plan, allocation_settings), settings=allocation_settings)
    assert run.status == RunStatus.OPTIMAL
    apply_run(rm, run)
    db.session.commit()
    db.session.expire_all()

    assert {
        line.id: (line.source_id, line.appropriation_id, line.amount_cents, line.stage)
        for line in db.session.scalars(
            sa.select(BudgetLine).where(BudgetLine.scenario_id == plan.id, BudgetLine.source == LineSource.AWARD)
        )
    } == award_lines
    fiscal_2027 = list(db.session.scalars(sa.select(Appropriation).where(Appropriation.fiscal_year == 2027)))
    assert not any(status.is_overdrawn for status in status_table(plan, TODAY, fiscal_2027))
    # "Spend all": nothing is left of each program fund, to the cent.
    for record in program_funds:
        assert status_of(record, plan, TODAY).available_cents == 0


# --- The out-year mortgage and the award list ------------------------------------------------------------------------


def test_the_mortgage_adds_up_awards_funding_and_a_closed_award_claims_no_later_years(app):
    rm = user("rm@example.gov")
    create_award(rm, _award(funding=((2027, "INCLE", "300000"), (2028, "ESF", "200000"))))  # pending
    db.session.commit()
    closing = db.session.scalar(
        sa.select(Award)
        .where(Award.status == AwardStatus.ACTIVE, Award.funding.any(AwardFunding.fiscal_year == 2029))
        .order_by(Award.number)
        .limit(1)
    )
    current = fiscal_year_of(dt.date.today())
    later_cents = sum(row.amount_cents for row in closing.funding if row.fiscal_year > current)
    assert later_cents > 0
    before_close = mortgage().by_year()

    def closed(rows) -> AwardInput:
        total = sum((Decimal(row.amount_cents) / 100 for row in rows), Decimal(0))
        obligated = min(Decimal(closing.obligated_cents) / 100, total)
        return AwardInput(
            number=closing.number,
            title=closing.title,
            partner=closing.partner,
            division_id=closing.division_id,
            program_type_id=closing.program_type_id,
            region_id=closing.region_id,
            country_id=closing.country_id,
            priority_id=closing.priority_id,
            starts_on=closing.starts_on,
            ends_on=closing.ends_on,
            total=total,
            funding=tuple(
                FundingInput(row.fiscal_year, row.account_code, Decimal(row.amount_cents) / 100) for row in rows
            ),
            obligated=obligated,
            expended=min(Decimal(closing.expended_cents) / 100, obligated),
            status=AwardStatus.CLOSED,
        )

    # Closing it with later years still on the schedule is refused: they would still claim money.
    with pytest.raises(ValidationError) as refused:
        update_award(rm, closing, closed(list(closing.funding)), closing.version)
    assert "funding" in refused.value.fields
    db.session.rollback()
    closing = db.session.get(Award, closing.id)
    # Trimmed to what it has had by this year, it closes; its later years leave the mortgage.
    update_award(rm, closing, closed([row for row in closing.funding if row.fiscal_year <= current]), closing.version)
    db.session.commit()

    by_year: dict[int, int] = defaultdict(int)
    by_year_account: dict[tuple[int, str], int] = defaultdict(int)
    by_year_region: dict[tuple[int, str], int] = defaultdict(int)
    by_year_priority: dict[tuple[int, str], int] = defaultdict(int)
    for row, award in _funding_rows():  # every award's funding: a closed one has none after this year
        by_year[row.fiscal_year] += row.amount_cents
        by_year_account[(row.fiscal_year, row.account_code)] += row.amount_cents
        by_year_region[(row.fiscal_year, award.region.code)] += row.amount_cents
        by_year_priority[(row.fiscal_year, award.priority.code)] += row.amount_cents

    owed = mortgage()
    assert owed.by_year() == by_year
    assert owed.by_year_and_account() == by_year_account
    assert owed.by_year_and("region") == by_year_region
    assert owed.by_year_and("priority") == by_year_priority
    assert owed.total_cents == sum(by_year.values())
    assert owed.years == sorted(by_year)
    assert owed.accounts == ["ESF", "INCLE"]
    dropped = sum(before_close.get(year, 0) - owed.by_year().get(year, 0) for year in before_close if year > current)
    assert dropped == later_cents  # its later years went, nothing else moved
    assert not any(row.fiscal_year > current for row in db.session.get(Award, closing.id).funding)

    later = mortgage(from_year=2028)
    assert later.by_year() == {year: cents for year, cents in by_year.items() if year >= 2028}
    esf = mortgage(account_code="ESF")
    assert esf.by_year_and_account() == {key: cents for key, cents in by_year_account.items() if key[1] == "ESF"}


def _has_text(award: Award, text: str) -> bool:
    return any(text.lower() in value.lower() for value in (award.number, award.title, award.partner))


@pytest.mark.parametrize(
    ("filters", "keep"),
    [
        (AwardFilter(status=AwardStatus.CLOSED), lambda a: a.status == AwardStatus.CLOSED),
        (AwardFilter(status=AwardStatus.PENDING), lambda a: a.status == AwardStatus.PENDING),
        (AwardFilter(region="WHA"), lambda a: a.region.code == "WHA"),
        (AwardFilter(program_type="cpc"), lambda a: a.program_type.code == "cpc"),
        (AwardFilter(priority="protection"), lambda a: a.priority.code == "protection"),
        (AwardFilter(funded_in=2029), lambda a: any(row.fiscal_year == 2029 for row in a.funding)),
        (AwardFilter(text="unicef"), lambda a: _has_text(a, "unicef")),
        (AwardFilter(text="Child Protection Compact"), lambda a: _has_text(a, "child protection compact")),
        (AwardFilter(text="CA0007"), lambda a: _has_text(a, "CA0007")),
        (
            AwardFilter(status=AwardStatus.ACTIVE, region="AF", funded_in=2028),
            lambda a: (
                a.status == AwardStatus.ACTIVE
                and a.region.code == "AF"
                and any(row.fiscal_year == 2028 for row in a.funding)
            ),
        ),
    ],
)
def test_list_awards_filters(app, filters, keep):
    everything = list(db.session.scalars(sa.select(Award)))
    expected = sorted(award.number for award in everything if keep(award))
    assert expected  # each filter finds something in the demo portfolio
    found = list_awards(filters, page=1, per_page=100)
    assert [award.number for award in found.items] == expected
    assert found.total == len(expected)


def test_list_awards_pages(app):
    numbers = sorted(db.session.scalars(sa.select(Award.number)))
    assert len(numbers) == 60
    for page, slice_ in ((1, numbers[:25]), (2, numbers[25:50]), (3, numbers[50:]), (4, [])):
        found = list_awards(AwardFilter(), page=page, per_page=25)
        assert [award.number for award in found.items] == slice_
        assert found.total == 60
