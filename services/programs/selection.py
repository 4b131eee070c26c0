"""Proposal selection for a funding notice: build selection-problem/1, run the planner,
save the run, and turn its selection into awards with their funding schedules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

import planner
from models import (
    Appropriation,
    BudgetLine,
    FundingNotice,
    NoticeRule,
    NoticeStatus,
    Proposal,
    ProposalDecision,
    RunStatus,
    Scenario,
    ScenarioStatus,
    SelectionRun,
    User,
    db,
)
from models.base import utcnow
from money import format_dollars, from_cents, quantize
from planner.money import json_amount
from planner.selection.model import Event
from services.audit.events import record_event
from services.errors import ConflictError, SolverFailed, ValidationError, WorkflowError
from services.funds.control import appropriation_of, lock_appropriations, status_of
from services.funds.plan_room import make_room, planned_program_lines
from services.office.reference import programs_division_id
from services.programs.awards import AwardInput, FundingInput, create_award
from services.programs.notices import eligibility_problem, proposals_of

DEFAULT_TIME_LIMIT_S = 30


@dataclass(frozen=True)
class Candidates:
    """Which of a notice's proposals go into the problem, and why the others don't."""

    included: list[Proposal]
    left_out: dict[str, str]  # proposal number → why


def candidates(notice: FundingNotice) -> Candidates:
    included, left_out = [], {}
    for proposal in proposals_of(notice):
        problem = eligibility_problem(notice, proposal)
        if problem is not None:
            left_out[proposal.number] = problem
        elif proposal.merit is None and proposal.decision != ProposalDecision.FORCE_IN:
            left_out[proposal.number] = "No reviewer has scored it yet."
        else:
            included.append(proposal)
    return Candidates(included, left_out)


def _rule(notice: FundingNotice, rule: NoticeRule) -> dict:
    """A notice rule as a selection-problem/1 rule; a share of the notice becomes an amount
    (the stricter one holds when a rule sets both on one side)."""
    data: dict = {"id": rule.code, "label": rule.label or rule.code, "where": rule.where}
    notice_amount = from_cents(notice.amount_cents)
    lows = [from_cents(rule.min_amount_cents)] if rule.min_amount_cents is not None else []
    highs = [from_cents(rule.max_amount_cents)] if rule.max_amount_cents is not None else []
    if rule.min_share_bp is not None:
        lows.append(quantize(notice_amount * rule.min_share_bp / 10000))
    if rule.max_share_bp is not None:
        highs.append(quantize(notice_amount * rule.max_share_bp / 10000))
    if lows:
        data["min_amount"] = json_amount(max(lows))
    if highs:
        data["max_amount"] = json_amount(min(highs))
    for side in ("min_count", "max_count"):
        if getattr(rule, side) is not None:
            data[side] = getattr(rule, side)
    return data


def _key(proposal: Proposal) -> dict[str, str]:
    key = {
        "region": proposal.region.code,
        "priority": proposal.priority.code,
        "program_type": proposal.program_type.code,
    }
    if proposal.country is not None:
        key["country"] = proposal.country.iso3
    return key


def build_selection_problem(notice: FundingNotice, time_limit_s: float = DEFAULT_TIME_LIMIT_S) -> dict:
    """The selection-problem/1 document for the notice as it stands."""
    chosen = candidates(notice).included
    if not chosen:
        raise ValidationError(
            f"Notice {notice.number} has no eligible, scored proposals to choose from.",
            fields={"proposals": "Score at least one eligible proposal first."},
        )
    return {
        "format": "selection-problem/1",
        "name": f"{notice.number} {notice.title}",
        "proposals": [
            {
                "id": p.number,
                "label": f"{p.applicant}: {p.title}",
                "cost": json_amount(from_cents(p.cost_cents)),
                "score": json_amount(p.merit or Decimal(0)),
                "key": _key(p),
            }
            for p in chosen
        ],
        "budget": json_amount(from_cents(notice.amount_cents)),
        "rules": [_rule(notice, rule) for rule in notice.rules],
        "must_fund": [p.number for p in chosen if p.decision == ProposalDecision.FORCE_IN],
        "exclude": [p.number for p in chosen if p.decision == ProposalDecision.FORCE_OUT],
        "options": {"time_limit_s": time_limit_s},
    }


def check_open(notice: FundingNotice) -> None:
    if not notice.is_open:
        raise WorkflowError(f"Notice {notice.number} is {notice.status.value}; its selection is settled.")


def _quiet(percent: int, message: str) -> None:
    """No one watches a selection that answers at once."""


def run_selection(
    actor: User,
    notice: FundingNotice,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    *,
    progress: Callable[[int, str], None] = _quiet,
) -> SelectionRun:
    """Solve and save a run, whatever its status: an infeasible run names its conflicts.

    `progress` (a job's, services.jobs.lifecycle.Progress) hears how far it is: before building,
    as the solver reports its stages and better selections, and before the one write."""
    check_open(notice)
    progress(2, f"Building the problem from notice {notice.number}'s proposals")
    problem_json = build_selection_problem(notice, time_limit_s)
    try:
        problem = planner.parse_selection(problem_json)
    except planner.InvalidProblem as exc:  # a notice rule the planner refuses, e.g. min above max
        raise ValidationError(
            f"The notice can't be turned into a selection problem: {exc}", fields={"rules": str(exc)}
        ) from exc
    progress(10, f"Solving: choosing among {len(problem.proposals):,} proposals")
    try:
        result = planner.select(problem, on_event=_solver_progress(progress, len(problem.proposals)))
    except planner.SolverError as exc:
        raise SolverFailed(f"The solver failed ({exc}); nothing was saved. Try again in a moment.") from exc
    progress(90, "Saving the run")
    result_json = result.to_json()
    left_out = candidates(notice).left_out
    if left_out:
        result_json["messages"].append(
            f"{len(left_out)} proposal(s) were not considered: "
            + "; ".join(f"{number}: {why.rstrip('.')}" for number, why in sorted(left_out.items()))
        )
    run = SelectionRun(
        notice_id=notice.id,
        problem=problem_json,
        result=result_json,
        status=RunStatus(result.status),
        solver=result.solver,
        seconds=round(result.seconds, 3),
        created_by_id=actor.id,
    )
    db.session.add(run)
    db.session.flush()
    record_event(
        actor,
        "selection_run.create",
        "selection_run",
        run.id,
        after={
            "notice_id": notice.id,
            "status": run.status.value,
            "selected": result_json["selected"],
            "total_cost": result_json["total_cost"],
        },
    )
    return run


# How far a solve is, by the stage the solver reports on: the most score, then the least cost with it
# (or, when the rules can't all hold, the least relaxation in dollars, then in proposals).
_STAGE_PERCENT = {"score": (10, 50), "cost": (50, 85), "relax_dollars": (10, 50), "relax_count": (50, 85)}
_STAGE_WORDS = {
    "score": "the most total score",
    "cost": "the least cost with that score",
    "relax_dollars": "the least relaxation in dollars",
    "relax_count": "the least relaxation in proposals",
}


def _solver_progress(progress: Callable[[int, str], None], proposals: int) -> Callable[[Event], None]:
    def heard(event: Event) -> None:
        start, end = _STAGE_PERCENT.get(event.stage, (10, 85))
        words = _STAGE_WORDS.get(event.stage, event.stage)
        if event.outcome is not None:
            progress(end, f"Found {words}")
        elif event.chosen is not None:
            progress(start, f"Seeking {words}: a selection of {len(event.chosen):,} of {proposals:,} proposals so far")

    return heard


def latest_run(notice: FundingNotice) -> SelectionRun | None:
    return db.session.scalar(
        sa.select(SelectionRun)
        .where(SelectionRun.notice_id == notice.id)
        .order_by(SelectionRun.created_at.desc(), SelectionRun.id.desc())
        .limit(1)
    )


def is_current(run: SelectionRun) -> bool:
    """Whether the run was made from the notice's proposals, scores, decisions and rules as they are now."""
    try:
        now = build_selection_problem(run.notice)
    except ValidationError:
        return False
    return _substance(now) == _substance(run.problem)


def _substance(problem: dict) -> dict:
    """What decides a selection: not names, labels or the time limit (a retitled notice changes nothing)."""
    return {
        "proposals": [{k: v for k, v in p.items() if k != "label"} for p in problem["proposals"]],
        "budget": problem["budget"],
        "rules": [{k: v for k, v in r.items() if k != "label"} for r in problem["rules"]],
        "must_fund": sorted(problem.get("must_fund", [])),
        "exclude": sorted(problem.get("exclude", [])),
    }


def _period(notice: FundingNotice, proposal: Proposal, starts_on: dt.date) -> dt.date:
    """Months of performance from the start, and never before the last funded year ends."""
    month = starts_on.month - 1 + proposal.months
    year = starts_on.year + month // 12
    ends_on = dt.date(year, month % 12 + 1, 1) - dt.timedelta(days=1)
    last_year = max([notice.fiscal_year, *(int(y) for y in proposal.out_year_cents)])
    return max(ends_on, dt.date(last_year - 1, 10, 1))  # in the last funded fiscal year at least


@dataclass(frozen=True)
class LineGivingWay:
    line: BudgetLine
    before_cents: int
    after_cents: int

    @property
    def lowered_by_cents(self) -> int:
        return self.before_cents - self.after_cents


@dataclass(frozen=True)
class PlanRoom:
    """What making awards takes from one draft plan that lacks the money: its planned program lines."""

    plan: Scenario
    appropriation: Appropriation
    shortfall_cents: int
    lines: tuple[LineGivingWay, ...]

    @property
    def taken_cents(self) -> int:
        return sum(line.lowered_by_cents for line in self.lines)


@dataclass
class _Amount:
    """A line's amount to lower on paper (plan_room.make_room reads and lowers `amount_cents`)."""

    id: int
    region_id: int | None
    priority_id: int | None
    amount_cents: int


def room_for_awards(notice: FundingNotice, chosen: list[Proposal]) -> list[PlanRoom]:
    """Which planned program lines of each draft plan of the notice's year would give way, and by how
    much, for these proposals' first-year costs: the page shows it before anyone confirms. Nothing is written."""
    appropriation = appropriation_of(notice.account_code, notice.fiscal_year)
    if appropriation is None:  # an out-year notice: nothing reaches a plan yet
        return []
    claims: dict[tuple[int | None, int | None], int] = {}
    for proposal in chosen:
        cell = (proposal.region_id, proposal.priority_id)
        claims[cell] = claims.get(cell, 0) + proposal.cost_cents
    rooms = []
    plans = db.session.scalars(
        sa.select(Scenario)
        .where(Scenario.budget_year == notice.fiscal_year, Scenario.status == ScenarioStatus.DRAFT)
        .order_by(Scenario.id)
    )
    for plan in plans:
        shortfall = sum(claims.values()) - status_of(appropriation, plan, dt.date.today()).available_cents
        if shortfall <= 0:
            continue
        lines = planned_program_lines(plan, appropriation)
        amounts = [_Amount(line.id, line.region_id, line.priority_id, line.amount_cents) for line in lines]
        make_room(amounts, claims, shortfall)
        lowered = tuple(
            LineGivingWay(line, line.amount_cents, amount.amount_cents)
            for line, amount in zip(lines, amounts, strict=True)
            if amount.amount_cents != line.amount_cents
        )
        rooms.append(PlanRoom(plan, appropriation, shortfall, lowered))
    return rooms


def _make_room_in_plans(actor: User, notice: FundingNotice, chosen: list[Proposal]) -> None:
    appropriation = appropriation_of(notice.account_code, notice.fiscal_year)
    if appropriation is None:
        return
    lock_appropriations([appropriation.id])  # the room made must still be there when the awards claim it
    for room in room_for_awards(notice, chosen):
        for giving_way in room.lines:
            giving_way.line.amount_cents = giving_way.after_cents
        db.session.flush()
        record_event(
            actor,
            "scenario.make_room",
            "scenario",
            room.plan.id,
            before={"amount_cents": {str(g.line.id): g.before_cents for g in room.lines}},
            after={"amount_cents": {str(g.line.id): g.after_cents for g in room.lines}},
            reason=f"lowered planned {appropriation.label} program lines by {format_dollars(room.taken_cents)} "
            f"for the awards of notice {notice.number}",
        )


def award_refusal(run: SelectionRun) -> ConflictError | None:
    """Why the run can't be awarded now (None when it can): the one set of checks, which the
    run page also shows before anyone clicks."""
    notice = run.notice
    if not notice.is_open:
        when = f" from run {run.id} on {run.awarded_at:%Y-%m-%d}" if run.awarded_at else ""
        return WorkflowError(f"Notice {notice.number} has already been awarded{when}.")
    if run.status == RunStatus.INFEASIBLE:
        return WorkflowError("The rules cannot all hold: relax the conflicts (or force proposals in or out) and rerun.")
    if run.status != RunStatus.OPTIMAL:
        return WorkflowError("The time limit ran out before the selection was proven best: rerun it.")
    latest = latest_run(notice)
    if latest is not None and latest.id != run.id:
        return ConflictError(f"A newer run ({latest.id}) exists: award that one.")
    if not is_current(run):
        return ConflictError(
            "Proposals, scores, decisions or rules have changed since this run: run the selection again."
        )
    return None


def _award_input(
    notice: FundingNotice, run: SelectionRun, proposal: Proposal, starts_on: dt.date, division_id: int | None
) -> AwardInput:
    """The pending award a selected proposal becomes: its cost from the notice's year, its out-years after."""
    funding = [FundingInput(notice.fiscal_year, notice.account_code, from_cents(proposal.cost_cents))]
    funding += [
        FundingInput(int(year), notice.account_code, from_cents(cents))
        for year, cents in sorted(proposal.out_year_cents.items())
        if cents
    ]
    return AwardInput(
        number=f"{notice.number}-{proposal.number}",
        title=proposal.title,
        partner=proposal.applicant,
        division_id=division_id,
        program_type_id=proposal.program_type_id,
        region_id=proposal.region_id,
        country_id=proposal.country_id,
        priority_id=proposal.priority_id,
        starts_on=starts_on,
        ends_on=_period(notice, proposal, starts_on),
        total=sum((f.amount for f in funding), Decimal(0)),
        funding=tuple(funding),
        monitoring_notes=f"Selected under {notice.number} (selection run {run.id}), merit {proposal.merit}.",
        proposal_id=proposal.id,
    )


def make_awards(
    actor: User, run: SelectionRun, starts_on: dt.date, *, make_room_in_plans: bool = True
) -> tuple[list, list[str]]:
    """Turn an optimal, current run into pending awards (first year from the notice's
    appropriation, later years as the out-year mortgage) and close the notice to changes.

    With `make_room_in_plans`, a draft plan of the notice's year that lacks the money
    lowers its planned program lines by the shortfall (services.funds.plan_room) first."""
    refusal = award_refusal(run)
    if refusal is not None:
        raise refusal
    notice = run.notice
    division_id = programs_division_id()  # that division manages the awards a notice makes
    by_number = {p.number: p for p in notice.proposals}
    if make_room_in_plans:
        _make_room_in_plans(actor, notice, [by_number[number] for number in run.selected])
    awards, warnings = [], []
    for number in run.selected:
        try:
            award, warning = create_award(actor, _award_input(notice, run, by_number[number], starts_on, division_id))
        except ValidationError as exc:
            # The run page has no fields to highlight: say which proposal and what is wrong (e.g. its number is taken).
            details = " ".join(exc.fields.values()) or exc.message
            raise ValidationError(
                f"Proposal {number} can't become an award: {details} Nothing was awarded.",
                fields={f"proposals[{number}].{key}": message for key, message in exc.fields.items()},
            ) from exc
        awards.append(award)
        if warning:
            warnings.append(warning)
    notice.status = NoticeStatus.AWARDED
    run.awarded_at = utcnow()
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise ConflictError(
            f"Notice {notice.number} was changed by someone else meanwhile; nothing was awarded."
        ) from exc
    record_event(
        actor,
        "funding_notice.award",
        "funding_notice",
        notice.id,
        before={"status": NoticeStatus.OPEN.value},
        after={"status": notice.status.value, "run_id": run.id, "awards": [a.number for a in awards]},
    )
    return awards, warnings
