"""Awards and their funding schedules, and the budget lines that carry them into plans.

An award's funding for fiscal year N from account X is a claim on X's FY N
appropriation. Every draft scenario whose budget year is N carries it as a
budget line (source = award, object class 41.0; obligated when the award's
obligations to date cover that year, in year order, else committed), so the status of funds counts
it and an allocation built from the scenario treats it as spoken for. Locked and
submitted scenarios are snapshots and are left alone while locked; a scenario
that becomes a draft (created, cloned or unlocked) is brought up to date with
every award of its budget year. Years whose appropriation is not entered yet
are the out-year mortgage: they show in the out-year view and reach the plans
as soon as the appropriation is entered. A closed award claims no money after
the current fiscal year: closing one with later funding is refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from models import (
    Appropriation,
    Award,
    AwardFunding,
    AwardStatus,
    BudgetLine,
    Country,
    Division,
    FiscalYear,
    FundsCategory,
    FundsControl,
    LineSource,
    LineStage,
    Priority,
    ProgramType,
    Region,
    Scenario,
    ScenarioStatus,
    User,
    db,
    fiscal_year_of,
)
from models.base import touch
from money import format_dollars, to_cents
from services import inputs
from services.allocation.problems import program_object_class_id
from services.audit.events import record_event, snapshot
from services.errors import ConflictError, ValidationError
from services.funds.control import appropriation_of, ensure_not_overdrawn, lock_appropriations
from services.office.settings import funds_control


@dataclass(frozen=True)
class FundingInput:
    """What one fiscal year's appropriation of one account provides to the award."""

    fiscal_year: int = inputs.year("Fiscal year")
    account_code: str = inputs.text("Account", max_length=32, listed=lambda: program_accounts())
    amount: Decimal = inputs.money(
        "Amount", minimum=Decimal("0.01"), message="Each year's funding must be more than zero."
    )

    RULES: ClassVar = (
        inputs.Rule(("account_code",), "A program account (foreign assistance) with an appropriation that year."),
    )


@dataclass(frozen=True, kw_only=True)
class AwardInput:
    """What a person may set on an award, references by id."""

    number: str = inputs.text("Award number", max_length=40, message="Give the award its number.")
    title: str = inputs.text("Title", max_length=200, message="Give the award a title.")
    partner: str = inputs.text("Implementing partner", max_length=200, message="Name the implementing partner.")
    division_id: int = inputs.reference("Managing division", to=Division)
    program_type_id: int = inputs.reference("Program type", to=ProgramType)
    region_id: int = inputs.reference("Region", to=Region)
    country_id: int | None = inputs.reference(
        "Country (leave empty for a regional or global award)", to=Country, required=False
    )
    priority_id: int = inputs.reference("Priority", to=Priority)
    starts_on: dt.date = inputs.date("Period of performance starts")
    ends_on: dt.date = inputs.date("Period of performance ends")
    total: Decimal = inputs.money("Total amount", minimum=Decimal("0.01"), message="Enter the award's total amount.")
    obligated: Decimal = inputs.money("Obligated to date", minimum=Decimal(0), default=Decimal(0))
    expended: Decimal = inputs.money("Expended to date", minimum=Decimal(0), default=Decimal(0))
    status: AwardStatus = inputs.choice("Status", AwardStatus, default=AwardStatus.PENDING)
    monitoring_notes: str = inputs.text("Monitoring notes", max_length=20_000, required=False, multiline=True)
    funding: tuple[FundingInput, ...] = inputs.rows(
        "Funding schedule",
        FundingInput,
        maximum=20,
        required=True,
        message="Give the funding schedule: what each fiscal year's appropriation provides.",
    )
    proposal_id: int | None = field(default=None, compare=False)  # set when a selection is turned into awards

    RULES: ClassVar = (
        inputs.Rule(("number",), "Award numbers are unique."),
        inputs.Rule(("country",), "The country lies in the region."),
        inputs.Rule(("ends_on",), "The period of performance ends after it starts."),
        inputs.Rule(
            ("obligated", "expended"),
            "Expended to date is at most obligated, and obligated at most the total; "
            "an active or closed award has obligated money.",
        ),
        inputs.Rule(("funding",), "The funding schedule's years are each given once, each a year of its account."),
    )


def program_accounts() -> list[str]:
    """Accounts that fund programs (foreign assistance), whatever the year."""
    return list(
        db.session.scalars(
            sa.select(Appropriation.account_code)
            .where(Appropriation.category == FundsCategory.FOREIGN_ASSISTANCE)
            .distinct()
            .order_by(Appropriation.account_code)
        )
    )


def _validate(data: AwardInput, existing: Award | None) -> None:
    errors = inputs.check(data)
    number = data.number.strip()
    clash = db.session.scalar(sa.select(Award.id).where(Award.number == number))
    if "number" not in errors and clash is not None and (existing is None or clash != existing.id):
        errors["number"] = "Another award has this number."
    errors |= inputs.missing_references(data)
    if "country" not in errors and "region" not in errors and data.country_id is not None:
        country = db.session.get(Country, data.country_id)
        if country.region_id != data.region_id:
            errors["country"] = f"{country.name} is in {country.region.name}."
    if data.ends_on < data.starts_on:
        errors["ends_on"] = "The period of performance must end after it starts."
    total = to_cents(data.total)
    if "obligated" not in errors and to_cents(data.obligated) > total:
        errors["obligated"] = "Obligated to date must be between zero and the total."
    if "expended" not in errors and to_cents(data.expended) > to_cents(data.obligated):
        errors["expended"] = "Expended to date must be between zero and what is obligated."
    if data.status != AwardStatus.PENDING and to_cents(data.obligated) == 0:
        errors["obligated"] = f"An {data.status.value} award has obligated money: enter how much."
    if not any(key.startswith("funding") for key in errors):
        errors.update(_funding_errors(data, total))
    if data.status == AwardStatus.CLOSED and "funding" not in errors:
        current = fiscal_year_of(dt.date.today())
        later = sorted({row.fiscal_year for row in data.funding if row.fiscal_year > current})
        if later:
            errors["funding"] = (
                f"A closed award claims no later money: take FY{later[0]}"
                + (f"–FY{later[-1]}" if len(later) > 1 else "")
                + " out of its schedule (and lower the total), or keep it active."
            )
    if errors:
        raise ValidationError("Check the highlighted fields.", fields=errors)


def _funding_errors(data: AwardInput, total_cents: int) -> dict[str, str]:
    accounts = set(program_accounts())
    last_year = fiscal_year_of(data.ends_on)
    seen: set[tuple[int, str]] = set()
    for i, row in enumerate(data.funding):
        where = f"funding[{i}]"
        if db.session.get(FiscalYear, row.fiscal_year) is None:
            return {where: f"FY{row.fiscal_year} is not a fiscal year the office plans."}
        if row.account_code not in accounts:
            return {where: f"{row.account_code} is not a program account ({', '.join(sorted(accounts))})."}
        if (row.fiscal_year, row.account_code) in seen:
            return {where: f"{row.account_code} FY{row.fiscal_year} appears twice; give one amount for it."}
        seen.add((row.fiscal_year, row.account_code))
        if row.fiscal_year > last_year:
            return {where: f"FY{row.fiscal_year} is after the period of performance ends (FY{last_year})."}
    scheduled = sum(to_cents(row.amount) for row in data.funding)
    if scheduled != total_cents:
        return {
            "funding": f"The funding schedule adds up to {format_dollars(scheduled)}, "
            f"but the award's total is {format_dollars(total_cents)}."
        }
    return {}


def _apply(award: Award, data: AwardInput) -> None:
    award.number = data.number.strip()
    award.title = data.title.strip()
    award.partner = data.partner.strip()
    award.division_id = data.division_id
    award.program_type_id = data.program_type_id
    award.region_id = data.region_id
    award.country_id = data.country_id
    award.priority_id = data.priority_id
    award.starts_on = data.starts_on
    award.ends_on = data.ends_on
    award.total_cents = to_cents(data.total)
    award.obligated_cents = to_cents(data.obligated)
    award.expended_cents = to_cents(data.expended)
    award.status = data.status
    award.monitoring_notes = data.monitoring_notes.strip()
    wanted = {(row.fiscal_year, row.account_code): to_cents(row.amount) for row in data.funding}
    for row in list(award.funding):
        key = (row.fiscal_year, row.account_code)
        if key in wanted:
            row.amount_cents = wanted.pop(key)
        else:
            award.funding.remove(row)
    for (year, account), cents in sorted(wanted.items()):
        award.funding.append(AwardFunding(fiscal_year=year, account_code=account, amount_cents=cents))


def _snapshot(award: Award) -> dict:
    state = snapshot(award)
    state["funding"] = [
        {"fiscal_year": row.fiscal_year, "account_code": row.account_code, "amount_cents": row.amount_cents}
        for row in award.funding
    ]
    return state


def create_award(actor: User, data: AwardInput) -> tuple[Award, str | None]:
    """Record an award; its funding reaches every draft plan of its years. Returns a funds warning, if any."""
    _validate(data, None)
    award = Award(proposal_id=data.proposal_id)
    _apply(award, data)
    db.session.add(award)
    try:
        db.session.flush()
    except sa.exc.IntegrityError as exc:  # another award took the number (or proposal) meanwhile
        raise ConflictError(
            f"Another award with the number {award.number} (or from the same proposal) was saved meanwhile; "
            "nothing was saved."
        ) from exc
    warning = write_award_lines(award)
    record_event(actor, "award.create", "award", award.id, after=_snapshot(award), reason=warning or "")
    return award, warning


def update_award(actor: User, award: Award, data: AwardInput, expected_version: int) -> str | None:
    """Change an award read at `expected_version`; a stale version is a ConflictError."""
    if award.version != expected_version:
        raise ConflictError(_stale_message(award))
    _validate(data, award)
    before = _snapshot(award)
    _apply(award, data)
    touch(award)  # a change to the funding schedule alone must move the award's version too
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise ConflictError(_stale_message(award)) from exc
    warning = write_award_lines(award)
    record_event(actor, "award.update", "award", award.id, before=before, after=_snapshot(award), reason=warning or "")
    return warning


def _stale_message(award: Award) -> str:
    return (
        f"Award {award.number} was changed by someone else since you opened it. "
        "Your changes were not saved: reload it, check their change and try again."
    )


def stages_by_year(award: Award) -> dict[tuple[int, str], LineStage]:
    """Each funding row's stage: obligated to date covers the schedule in year order, so a
    year is obligated once everything up to and including it is; later years are committed."""
    stages, covered = {}, 0
    for row in sorted(award.funding, key=lambda row: (row.fiscal_year, row.account_code)):
        covered += row.amount_cents
        obligated = award.status != AwardStatus.PENDING and covered <= award.obligated_cents
        stages[(row.fiscal_year, row.account_code)] = LineStage.OBLIGATED if obligated else LineStage.COMMITTED
    return stages


def _draft_scenarios(years: set[int]) -> dict[int, list[Scenario]]:
    by_year: dict[int, list[Scenario]] = {}
    if years:
        for scenario in db.session.scalars(
            sa.select(Scenario).where(Scenario.status == ScenarioStatus.DRAFT, Scenario.budget_year.in_(years))
        ):
            by_year.setdefault(scenario.budget_year, []).append(scenario)
    return by_year


def _appropriations(keys: set[tuple[str, int]]) -> dict[tuple[str, int], Appropriation]:
    found = {key: appropriation_of(*key) for key in keys}
    return {key: appropriation for key, appropriation in found.items() if appropriation is not None}


def _award_lines(award_ids: list[int], scenario_ids: list[int]) -> sa.ColumnElement[bool]:
    return sa.and_(
        BudgetLine.source == LineSource.AWARD,
        BudgetLine.source_id.in_(award_ids),
        BudgetLine.scenario_id.in_(scenario_ids),
    )


def _claims(condition: sa.ColumnElement[bool]) -> dict[tuple[int, int], int]:
    rows = db.session.execute(
        sa.select(BudgetLine.scenario_id, BudgetLine.appropriation_id, sa.func.sum(BudgetLine.amount_cents))
        .where(condition)
        .group_by(BudgetLine.scenario_id, BudgetLine.appropriation_id)
    )
    return {(scenario_id, appropriation_id): int(total) for scenario_id, appropriation_id, total in rows}


def write_award_lines(
    award: Award, scenarios: list[Scenario] | None = None, control: FundsControl | None = None
) -> str | None:
    """Rewrite the award's lines in the draft scenarios of its funding years (or in `scenarios`,
    whatever their status: the caller vouches for them).

    Refuses (or warns, per the office's funds control) when that leaves an
    appropriation overdrawn in a scenario where the award now claims more.
    """
    years = {row.fiscal_year for row in award.funding}
    if scenarios is None:
        targets = [s for group in _draft_scenarios(years | _years_with_lines(award)).values() for s in group]
    else:
        targets = scenarios
    if not targets:
        return None
    target_ids = [s.id for s in targets]
    condition = _award_lines([award.id], target_ids)
    appropriations = _appropriations({(row.account_code, row.fiscal_year) for row in award.funding})
    # Every appropriation this rewrite touches, once and in id order, before its first write.
    lock_appropriations(
        [a.id for a in appropriations.values()]
        + list(db.session.scalars(sa.select(BudgetLine.appropriation_id).where(condition).distinct()))
    )
    before = _claims(condition)
    # Synchronised: lines loaded in the session must go with their rows (SQLite reuses their ids).
    db.session.execute(sa.delete(BudgetLine).where(condition))
    object_class_id = program_object_class_id()
    stages = stages_by_year(award)
    for scenario in targets:
        for row in award.funding:
            appropriation = appropriations.get((row.account_code, row.fiscal_year))
            if appropriation is None or row.fiscal_year != scenario.budget_year:
                continue
            db.session.add(
                BudgetLine(
                    scenario_id=scenario.id,
                    fiscal_year=row.fiscal_year,
                    appropriation_id=appropriation.id,
                    division_id=award.division_id,
                    object_class_id=object_class_id,
                    region_id=award.region_id,
                    country_id=award.country_id,
                    priority_id=award.priority_id,
                    program_type_id=award.program_type_id,
                    description=f"Award {award.number}: {award.title} ({award.partner}), FY{row.fiscal_year} funding",
                    amount_cents=row.amount_cents,
                    stage=stages[(row.fiscal_year, row.account_code)],
                    source=LineSource.AWARD,
                    source_id=award.id,
                )
            )
    db.session.flush()
    return _check_increases(before, _claims(condition), {s.id: s for s in targets}, control or funds_control())


def _years_with_lines(award: Award) -> set[int]:
    """Years the award still has lines in (a year dropped from its schedule must lose them)."""
    return set(
        db.session.scalars(
            sa.select(BudgetLine.fiscal_year)
            .where(BudgetLine.source == LineSource.AWARD, BudgetLine.source_id == award.id)
            .distinct()
        )
    )


def _check_increases(
    before: dict[tuple[int, int], int],
    after: dict[tuple[int, int], int],
    scenarios: dict[int, Scenario],
    control: FundsControl,
) -> str | None:
    lock_appropriations(key[1] for key, cents in after.items() if cents > before.get(key, 0))
    warnings = []
    for key, cents in sorted(after.items()):
        if cents > before.get(key, 0):
            scenario_id, appropriation_id = key
            warning = ensure_not_overdrawn(
                scenarios[scenario_id], db.session.get(Appropriation, appropriation_id), control
            )
            if warning:
                warnings.append(warning)
    return " ".join(warnings) or None


def write_scenario_award_lines(scenario: Scenario) -> str | None:
    """Bring a scenario's award lines up to date with every award funded in its budget year
    (a new, cloned or unlocked scenario; the demo's snapshots).

    Never refused: the awards are made, and a scenario for a year whose allotment is not in
    yet must still be creatable; the status of funds shows any shortfall."""
    awards = db.session.scalars(
        sa.select(Award)
        .join(AwardFunding, AwardFunding.award_id == Award.id)
        .where(AwardFunding.fiscal_year == scenario.budget_year)
        .distinct()
    ).all()
    stale = set(
        db.session.scalars(
            sa.select(BudgetLine.source_id)
            .where(BudgetLine.scenario_id == scenario.id, BudgetLine.source == LineSource.AWARD)
            .distinct()
        )
    ) - {award.id for award in awards}
    if stale:
        db.session.execute(sa.delete(BudgetLine).where(_award_lines(sorted(stale), [scenario.id])))
    warnings = [w for award in awards if (w := write_award_lines(award, [scenario], FundsControl.WARN))]
    return " ".join(warnings) or None


def write_account_year_award_lines(account_code: str, fiscal_year: int) -> str | None:
    """A newly entered appropriation: the awards funded from it reach that year's draft plans.

    Never refused: the awards are made, and an appropriation entered before its
    allotment must still be enterable; the status of funds shows any shortfall."""
    awards = db.session.scalars(
        sa.select(Award)
        .join(AwardFunding, AwardFunding.award_id == Award.id)
        .where(AwardFunding.account_code == account_code, AwardFunding.fiscal_year == fiscal_year)
        .distinct()
    ).all()
    warnings = [w for award in awards if (w := write_award_lines(award, control=FundsControl.WARN))]
    return " ".join(warnings) or None


def award_lines(award: Award) -> list[BudgetLine]:
    return list(
        db.session.scalars(
            sa.select(BudgetLine)
            .where(BudgetLine.source == LineSource.AWARD, BudgetLine.source_id == award.id)
            .order_by(BudgetLine.scenario_id, BudgetLine.fiscal_year)
        )
    )
