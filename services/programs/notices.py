"""Funding notices, the proposals that answer them, and reviewers' scores."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter
from typing import ClassVar

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.orm.exc import StaleDataError

from models import (
    Country,
    FiscalYear,
    FundingNotice,
    Priority,
    ProgramType,
    Proposal,
    ProposalDecision,
    ProposalScore,
    Region,
    User,
    db,
)
from models.base import touch
from money import to_cents
from services import inputs
from services.audit.events import record_event, snapshot
from services.errors import ConflictError, ValidationError, WorkflowError
from services.programs.awards import program_accounts
from services.programs.notice_rules import CODE_LENGTH, RuleInput, to_model, validate_rule


@dataclass(frozen=True, kw_only=True)
class NoticeInput:
    """A funding notice: one year's money from one program account, who may apply (codes; none: any), its rules."""

    number: str = inputs.text("Notice number", max_length=40, message="Give the notice its number.")
    title: str = inputs.text("Title", max_length=200, message="Give the notice a title.")
    fiscal_year: int = inputs.year("Fiscal year")
    account_code: str = inputs.text("Appropriation account", max_length=32)
    amount: Decimal = inputs.money(
        "Amount available", minimum=Decimal("0.01"), message="Enter the amount the notice makes available."
    )
    program_types: tuple[str, ...] = inputs.codes(
        "Eligible program types (none chosen: any)", of="program_type", max_length=CODE_LENGTH
    )
    regions: tuple[str, ...] = inputs.codes("Eligible regions (none chosen: any)", of="region", max_length=CODE_LENGTH)
    priorities: tuple[str, ...] = inputs.codes(
        "Eligible priorities (none chosen: any)", of="priority", max_length=CODE_LENGTH
    )
    rules: tuple[RuleInput, ...] = inputs.rows("Rules", RuleInput, maximum=200, each_field=True)
    description: str = inputs.text("Description", max_length=20_000, required=False, multiline=True)

    RULES: ClassVar = (
        inputs.Rule(("number",), "Notice numbers are unique."),
        inputs.Rule(("account_code",), "A program account (foreign assistance)."),
        inputs.Rule(
            ("program_types", "regions", "priorities"), "Codes the office holds (GET /api/v1/reference/{kind})."
        ),
    )


@dataclass(frozen=True)
class OutYearInput:
    """What the proposal would cost in a later fiscal year (each year once)."""

    fiscal_year: int = inputs.year("Fiscal year")
    amount: Decimal = inputs.money("Cost", minimum=Decimal(0), message="Out-year costs must not be negative.")


@dataclass(frozen=True, kw_only=True)
class ProposalInput:
    number: str = inputs.text("Proposal number", max_length=40, message="Give the proposal its number.")
    applicant: str = inputs.text("Applicant", max_length=200, message="Name the applicant.")
    title: str = inputs.text("Title", max_length=200, message="Give the proposal a title.")
    region_id: int = inputs.reference("Region", to=Region)
    country_id: int | None = inputs.reference(
        "Country (leave empty for a regional or global proposal)", to=Country, required=False
    )
    priority_id: int = inputs.reference("Priority", to=Priority)
    program_type_id: int = inputs.reference("Program type", to=ProgramType)
    cost: Decimal = inputs.money(
        "Cost to this notice (first year)",
        minimum=Decimal("0.01"),
        message="Enter what the proposal asks of this notice.",
        help="What the notice's own appropriation pays.",
    )
    months: int = inputs.integer(
        "Months of performance",
        minimum=1,
        maximum=120,
        default=24,
        message="The period of performance is 1 to 120 months.",
    )
    out_years: tuple[OutYearInput, ...] = inputs.rows("Out-year costs", OutYearInput, maximum=10)

    RULES: ClassVar = (
        inputs.Rule(("number",), "Proposal numbers are unique under their notice."),
        inputs.Rule(("country",), "The country lies in the region."),
        inputs.Rule(("out_years",), "Out-years come after the notice's year, within the years planned, each once."),
    )


@dataclass(frozen=True)
class ScoreInput:
    """One reviewer's score of a proposal."""

    reviewer: str = inputs.text("Reviewer", max_length=120, message="Name the reviewer.")
    score: Decimal = inputs.decimal(
        "Score (0–100)",
        minimum=Decimal(0),
        maximum=Decimal(100),
        places=2,
        record="score_hundredths",
        message="A score is 0 to 100, to at most two decimal places.",
    )
    comment: str = inputs.text("Comment", max_length=5_000, required=False)


@dataclass(frozen=True)
class ScoresInput:
    """The panel's scores of one proposal, a row a reviewer: a save replaces them all."""

    scores: tuple[ScoreInput, ...] = inputs.rows("Reviewers' scores", ScoreInput, maximum=50, each_field=True)


SCORE = inputs.specs(ScoreInput)["score"]


def _codes(model) -> set[str]:
    return set(db.session.scalars(sa.select(model.code)))


def _rule_vocabulary() -> dict[str, set[str]]:
    """The codes a rule's `where` may name, by dimension (countries by ISO 3166 alpha-3)."""
    return {
        "region": _codes(Region),
        "priority": _codes(Priority),
        "program_type": _codes(ProgramType),
        "country": set(db.session.scalars(sa.select(Country.iso3))),
    }


def _validate_notice(data: NoticeInput, existing: FundingNotice | None) -> None:
    errors = inputs.check(data)
    clash = db.session.scalar(sa.select(FundingNotice.id).where(FundingNotice.number == data.number.strip()))
    if "number" not in errors and clash is not None and (existing is None or clash != existing.id):
        errors["number"] = "Another notice has this number."
    if db.session.get(FiscalYear, data.fiscal_year) is None:
        errors["fiscal_year"] = "No such fiscal year."
    accounts = program_accounts()
    if data.account_code not in accounts:
        errors["account_code"] = f"Choose a program account: {', '.join(accounts)}."
    for name, model in (("program_types", ProgramType), ("regions", Region), ("priorities", Priority)):
        unknown = sorted(set(getattr(data, name)) - _codes(model))
        if unknown:
            errors[name] = f"Unknown codes: {', '.join(unknown)}."
    codes = [rule.code for rule in data.rules]
    known = _rule_vocabulary() if data.rules else {}
    for i, rule in enumerate(data.rules):
        errors.update(validate_rule(rule, f"rules[{i}]"))
        for dimension, values in rule.where.items():
            unknown = sorted(set(values) - known.get(dimension, set(values)))
            if unknown:
                errors[f"rules[{i}].where"] = f"Unknown {dimension} codes: {', '.join(unknown)}."
        if codes.index(rule.code) != i:
            errors[f"rules[{i}].code"] = f"Two rules have the code {rule.code}."
    if errors:
        raise ValidationError("Check the highlighted fields.", fields=errors)


def _apply_notice(notice: FundingNotice, data: NoticeInput) -> None:
    notice.number = data.number.strip()
    notice.title = data.title.strip()
    notice.fiscal_year = data.fiscal_year
    notice.account_code = data.account_code
    notice.amount_cents = to_cents(data.amount)
    notice.program_types = list(data.program_types)
    notice.regions = list(data.regions)
    notice.priorities = list(data.priorities)
    notice.description = data.description.strip()
    notice.rules = [to_model(rule) for rule in data.rules]


def _notice_snapshot(notice: FundingNotice) -> dict:
    state = snapshot(notice)
    state["rules"] = [{**snapshot(rule), "id": None} for rule in notice.rules]
    return state


def create_notice(actor: User, data: NoticeInput) -> FundingNotice:
    _validate_notice(data, None)
    notice = FundingNotice()
    _apply_notice(notice, data)
    db.session.add(notice)
    db.session.flush()
    record_event(actor, "funding_notice.create", "funding_notice", notice.id, after=_notice_snapshot(notice))
    return notice


def update_notice(actor: User, notice: FundingNotice, data: NoticeInput, expected_version: int) -> None:
    if notice.version != expected_version:
        raise ConflictError(_stale("Notice", notice.number))
    _ensure_open(notice)
    _validate_notice(data, notice)
    stranded = sorted(
        p.number for p in notice.proposals if any(int(year) <= data.fiscal_year for year in p.out_year_cents)
    )
    if stranded:
        raise ValidationError(
            "Some proposals' out-years would no longer come after the notice's year.",
            fields={
                "fiscal_year": f"FY{data.fiscal_year} would strand the out-years of {', '.join(stranded[:5])}"
                + (f" and {len(stranded) - 5} more" if len(stranded) > 5 else "")
                + "."
            },
        )
    before = _notice_snapshot(notice)
    number = notice.number
    notice.rules.clear()
    db.session.flush()  # the old rules go before the new ones take their codes
    _apply_notice(notice, data)
    touch(notice)  # a change to the rules alone must move the notice's version too
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise ConflictError(_stale("Notice", number)) from exc
    record_event(
        actor, "funding_notice.update", "funding_notice", notice.id, before=before, after=_notice_snapshot(notice)
    )


def _ensure_open(notice: FundingNotice) -> None:
    if not notice.is_open:
        raise WorkflowError(f"Notice {notice.number} is {notice.status.value}: its proposals and rules are settled.")


def _stale(what: str, number: str) -> str:
    return (
        f"{what} {number} was changed by someone else since you opened it. "
        "Your changes were not saved: reload it, check their change and try again."
    )


def proposals_of(notice: FundingNotice) -> list[Proposal]:
    """The notice's proposals by number, with their scores and references loaded in a few
    queries rather than one per proposal."""
    return list(
        db.session.scalars(
            sa.select(Proposal)
            .where(Proposal.notice_id == notice.id)
            .options(
                so.selectinload(Proposal.scores),
                so.joinedload(Proposal.region),
                so.joinedload(Proposal.country),
                so.joinedload(Proposal.priority),
                so.joinedload(Proposal.program_type),
            )
            .order_by(Proposal.number)
        )
    )


def eligibility_problem(notice: FundingNotice, proposal: Proposal) -> str | None:
    """Why the proposal falls outside the notice's program types, regions or priorities (None if it doesn't)."""
    for codes, value, what in (
        (notice.program_types, proposal.program_type, "program type"),
        (notice.regions, proposal.region, "region"),
        (notice.priorities, proposal.priority, "priority"),
    ):
        if codes and value.code not in codes:
            return f"The notice does not cover its {what} ({value.name})."
    return None


def _validate_proposal(notice: FundingNotice, data: ProposalInput, existing: Proposal | None) -> None:
    errors = inputs.check(data)
    clash = db.session.scalar(
        sa.select(Proposal.id).where(Proposal.notice_id == notice.id, Proposal.number == data.number.strip())
    )
    if "number" not in errors and clash is not None and (existing is None or clash != existing.id):
        errors["number"] = "Another proposal under this notice has this number."
    errors |= inputs.missing_references(data)
    if data.country_id is not None and "country" not in errors and "region" not in errors:
        country = db.session.get(Country, data.country_id)
        if country.region_id != data.region_id:
            errors["country"] = f"{country.name} is in {country.region.name}."
    years = [row.fiscal_year for row in data.out_years]
    repeated = sorted({year for year in years if years.count(year) > 1})
    if repeated:
        errors["out_years"] = f"FY{repeated[0]} appears more than once: give each out-year once."
    for year in sorted(years):
        if year <= notice.fiscal_year or db.session.get(FiscalYear, year) is None:
            errors["out_years"] = f"FY{year} is not an out-year of this FY{notice.fiscal_year} notice that we plan."
    if errors:
        raise ValidationError("Check the highlighted fields.", fields=errors)


def _apply_proposal(proposal: Proposal, data: ProposalInput) -> None:
    proposal.number = data.number.strip()
    proposal.applicant = data.applicant.strip()
    proposal.title = data.title.strip()
    proposal.region_id = data.region_id
    proposal.country_id = data.country_id
    proposal.priority_id = data.priority_id
    proposal.program_type_id = data.program_type_id
    proposal.cost_cents = to_cents(data.cost)
    proposal.out_year_cents = {
        str(row.fiscal_year): to_cents(row.amount)
        for row in sorted(data.out_years, key=attrgetter("fiscal_year"))
        if row.amount
    }
    proposal.months = data.months


def create_proposal(actor: User, notice: FundingNotice, data: ProposalInput) -> Proposal:
    _ensure_open(notice)
    _validate_proposal(notice, data, None)
    proposal = Proposal(notice=notice)  # through the relationship: notice.proposals, if loaded, includes it
    _apply_proposal(proposal, data)
    db.session.add(proposal)
    db.session.flush()
    record_event(actor, "proposal.create", "proposal", proposal.id, after=snapshot(proposal))
    return proposal


def update_proposal(actor: User, proposal: Proposal, data: ProposalInput, expected_version: int) -> None:
    if proposal.version != expected_version:
        raise ConflictError(_stale("Proposal", proposal.number))
    _ensure_open(proposal.notice)
    _validate_proposal(proposal.notice, data, proposal)
    before = snapshot(proposal)
    number = proposal.number
    _apply_proposal(proposal, data)
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise ConflictError(_stale("Proposal", number)) from exc
    record_event(actor, "proposal.update", "proposal", proposal.id, before=before, after=snapshot(proposal))


def set_scores(actor: User, proposal: Proposal, scores: list[ScoreInput], expected_version: int) -> None:
    """Replace the panel's scores for a proposal read at `expected_version` (one per reviewer,
    0–100 to two places); the proposal's version moves, so a second stale save is refused."""
    if proposal.version != expected_version:
        raise ConflictError(_stale("Proposal", proposal.number))
    _ensure_open(proposal.notice)
    errors = inputs.check(ScoresInput(tuple(scores)))
    reviewers = [s.reviewer.strip() for s in scores]
    for i, reviewer in enumerate(reviewers):
        if reviewer and reviewers.index(reviewer) != i:
            errors[f"scores[{i}].reviewer"] = f"{reviewer} is listed twice."
    if errors:
        raise ValidationError("Check the scores.", fields=errors)
    before = [{"reviewer": s.reviewer, "score": str(s.score)} for s in proposal.scores]
    number = proposal.number
    proposal.scores.clear()
    touch(proposal)  # the scores are the proposal's: its version moves with them
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise ConflictError(_stale("Proposal", number)) from exc
    for score, reviewer in zip(scores, reviewers, strict=True):
        proposal.scores.append(
            ProposalScore(
                reviewer=reviewer, score_hundredths=inputs.scaled(SCORE, score.score), comment=score.comment.strip()
            )
        )
    db.session.flush()
    record_event(
        actor,
        "proposal.scores",
        "proposal",
        proposal.id,
        before={"scores": before},
        after={"scores": [{"reviewer": s.reviewer, "score": str(s.score)} for s in proposal.scores]},
    )


def set_decision(actor: User, proposal: Proposal, decision: ProposalDecision, expected_version: int) -> None:
    """Force a proposal in (must fund) or out (exclude), or leave it to the optimiser."""
    if proposal.version != expected_version:
        raise ConflictError(_stale("Proposal", proposal.number))
    _ensure_open(proposal.notice)
    before = proposal.decision
    number = proposal.number
    proposal.decision = decision
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise ConflictError(_stale("Proposal", number)) from exc
    record_event(
        actor,
        "proposal.decision",
        "proposal",
        proposal.id,
        before={"decision": before.value},
        after={"decision": decision.value},
    )


@dataclass(frozen=True)
class ProposalChanges:
    """What one save of a proposal changes (None: leave as it is)."""

    fields: ProposalInput | None = None
    decision: ProposalDecision | None = None
    scores: tuple[ScoreInput, ...] | None = None


def save_proposal(
    actor: User,
    notice: FundingNotice,
    proposal: Proposal | None,
    changes: ProposalChanges,
    expected_version: int | None = None,
) -> Proposal:
    """Create (proposal None) or change a proposal, its decision and its scores, as one save."""
    if proposal is None:
        if changes.fields is None:
            raise ValidationError("Describe the proposal.", fields={"number": "Required."})
        proposal = create_proposal(actor, notice, changes.fields)
    else:
        if proposal.version != expected_version:
            raise ConflictError(_stale("Proposal", proposal.number))
        if changes.fields is not None:
            update_proposal(actor, proposal, changes.fields, proposal.version)
    if changes.decision is not None and changes.decision != proposal.decision:
        set_decision(actor, proposal, changes.decision, proposal.version)
    if changes.scores is not None:
        set_scores(actor, proposal, list(changes.scores), proposal.version)
    return proposal
