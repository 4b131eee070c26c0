"""Funding notices, proposals and scores; proposal selection against brute force; awards from a selection;
and the demo office's programs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import random
from decimal import Decimal

import pytest
import sqlalchemy as sa
from helpers import appropriation, database_fingerprint, demo_notice_id, fill_the_plan, plan_scenario, user

from models import (
    Appropriation,
    AuditEvent,
    Award,
    AwardStatus,
    BudgetLine,
    Country,
    Division,
    FundingNotice,
    LineSource,
    LineStage,
    NoticeStatus,
    Priority,
    ProgramType,
    Proposal,
    ProposalDecision,
    Region,
    RunStatus,
    Scenario,
    SelectionRun,
    db,
    fiscal_year_of,
)
from services.errors import ConflictError, FundsError, ValidationError, WorkflowError
from services.funds.control import status_of, status_table
from services.programs.awards import AwardInput, FundingInput, create_award
from services.programs.notice_rules import RuleInput, parse_rules
from services.programs.notices import (
    NoticeInput,
    OutYearInput,
    ProposalInput,
    ScoreInput,
    create_notice,
    create_proposal,
    set_decision,
    set_scores,
    update_notice,
    update_proposal,
)
from services.programs.selection import (
    build_selection_problem,
    is_current,
    make_awards,
    room_for_awards,
    run_selection,
)

TODAY = dt.date(2026, 11, 2)


def _rm():
    return user("rm@example.gov")


def _id(model, code: str) -> int:
    return db.session.scalar(sa.select(model.id).where(model.code == code))


def _notice_input(number: str = "NOFO-TEST-01", amount: str = "1000000", rules: str = "", **changes) -> NoticeInput:
    return NoticeInput(
        number=number,
        title=changes.pop("title", "Test notice"),
        fiscal_year=changes.pop("fiscal_year", 2027),
        account_code=changes.pop("account_code", "INCLE"),
        amount=Decimal(amount),
        rules=changes.pop("rules_input", None) or parse_rules(rules),
        **changes,
    )


def _notice(number: str = "NOFO-TEST-01", amount: str = "1000000", rules: str = "", **changes) -> FundingNotice:
    notice = create_notice(_rm(), _notice_input(number, amount, rules, **changes))
    db.session.flush()
    return notice


def _proposal_input(
    number: str,
    cost: str = "100000",
    *,
    region: str = "WHA",
    priority: str = "protection",
    program_type: str = "bilateral",
    country: str | None = None,
    out_years: dict[int, str] | None = None,
    months: int = 24,
) -> ProposalInput:
    return ProposalInput(
        number=number,
        applicant=f"Applicant of {number}",
        title=f"Project {number}",
        region_id=_id(Region, region),
        priority_id=_id(Priority, priority),
        program_type_id=_id(ProgramType, program_type),
        cost=Decimal(cost),
        country_id=None if country is None else db.session.scalar(sa.select(Country.id).where(Country.iso3 == country)),
        out_years=tuple(OutYearInput(year, Decimal(amount)) for year, amount in (out_years or {}).items()),
        months=months,
    )


def _proposal(notice: FundingNotice, number: str, cost: str = "100000", merit: str | None = "80", **kwargs) -> Proposal:
    """A proposal; `merit` given, three reviewers score it merit − 1, merit, merit + 1 (their mean is `merit`)."""
    proposal = create_proposal(_rm(), notice, _proposal_input(number, cost, **kwargs))
    if merit is not None:
        middle = Decimal(merit)
        set_scores(
            _rm(),
            proposal,
            [ScoreInput(r, s) for r, s in zip("ABC", (middle - 1, middle, middle + 1), strict=True)],
            proposal.version,
        )
    return proposal


# --- Notices, proposals, scores, decisions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"program_types": ("bilateral", "space")}, "program_types"),
        ({"regions": ("WHA", "ATL")}, "regions"),
        ({"priorities": ("protection", "luck")}, "priorities"),
        ({"account_code": "DP"}, "account_code"),  # operations money, not a program account
        ({"number": "SFOP0010027"}, "number"),  # the demo notice's number
        ({"amount": "0"}, "amount"),
        ({"fiscal_year": 2040}, "fiscal_year"),
        ({"rules_input": (RuleInput("r", "r"),)}, "rules[0]"),  # no bound at all
        ({"rules_input": (RuleInput("r", "r", min_count=10**20),)}, "rules[0].min_count"),  # beyond any integer column
        ({"rules_input": (RuleInput("r", "r", where={"region": ["ATL"]}, min_count=1),)}, "rules[0].where"),
        ({"rules_input": (RuleInput("r", "r", min_count=1), RuleInput("r", "r", max_count=3))}, "rules[1].code"),
    ],
)
def test_a_notice_that_does_not_hold_together_is_refused(app, changes, field):
    before = database_fingerprint()
    with pytest.raises(ValidationError) as refused:
        create_notice(_rm(), _notice_input(**changes))
    assert field in refused.value.fields
    db.session.rollback()
    assert database_fingerprint() == before


def test_a_notice_keeps_its_rules_and_a_change_to_them_alone_moves_its_version(app):
    notice = _notice(rules="at least 2 awards in WHA\nno more than $400,000 in EAP", program_types=("bilateral",))
    db.session.commit()
    assert [(rule.where, rule.min_count, rule.max_amount_cents) for rule in notice.rules] == [
        ({"region": ["WHA"]}, 2, None),
        ({"region": ["EAP"]}, None, 400_000_00),
    ]
    opened = notice.version
    update_notice(_rm(), notice, _notice_input(rules="at least 3 awards in WHA", program_types=("bilateral",)), opened)
    db.session.commit()
    assert [rule.min_count for rule in notice.rules] == [3]
    with pytest.raises(ConflictError):
        update_notice(_rm(), notice, _notice_input(title="A stale edit", program_types=("bilateral",)), opened)


def test_proposals_are_checked_against_their_notice(app):
    notice = _notice()  # FY2027
    for out_years in ({2027: "1000"}, {2026: "1000"}, {2028: "1000", 2045: "1000"}):
        with pytest.raises(ValidationError) as refused:
            create_proposal(_rm(), notice, _proposal_input("P-1", out_years=out_years))
        assert "out_years" in refused.value.fields
    twice = dataclasses.replace(
        _proposal_input("P-1"), out_years=(OutYearInput(2028, Decimal(1000)), OutYearInput(2028, Decimal(500)))
    )
    with pytest.raises(ValidationError) as refused:
        create_proposal(_rm(), notice, twice)
    assert "FY2028 appears more than once" in refused.value.fields["out_years"]
    with pytest.raises(ValidationError) as refused:
        create_proposal(_rm(), notice, _proposal_input("P-1", region="WHA", country="GHA"))  # Ghana is in Africa
    assert "Ghana" in refused.value.fields["country"]
    with pytest.raises(ValidationError) as refused:
        create_proposal(_rm(), notice, _proposal_input("P-1", cost="0"))
    assert "cost" in refused.value.fields

    proposal = create_proposal(
        _rm(), notice, _proposal_input("P-1", "250000", region="AF", country="GHA", out_years={2028: "200000"})
    )
    assert proposal.out_year_cents == {"2028": 200_000_00}
    with pytest.raises(ValidationError) as refused:
        create_proposal(_rm(), notice, _proposal_input("P-1"))
    assert "number" in refused.value.fields


def test_scores_average_to_the_merit_and_their_range_is_the_spread(app):
    notice = _notice()
    proposal = _proposal(notice, "P-1", merit=None)
    assert proposal.merit is None
    assert proposal.spread is None

    set_scores(_rm(), proposal, [ScoreInput("Ana", Decimal("87.25")), ScoreInput("Ben", Decimal(90)),
                                 ScoreInput("Cy", Decimal("79.5"))], proposal.version)  # fmt: skip
    # (87.25 + 90 + 79.5) / 3 = 256.75 / 3 = 85.58333…, shown to two places; 90 − 79.5 = 10.5
    assert proposal.merit == Decimal("85.58")
    assert proposal.spread == Decimal("10.5")
    assert sorted((s.reviewer, s.score) for s in proposal.scores) == [
        ("Ana", Decimal("87.25")),
        ("Ben", Decimal(90)),
        ("Cy", Decimal("79.5")),
    ]

    version = proposal.version
    set_scores(_rm(), proposal, [ScoreInput("Ana", Decimal(100)), ScoreInput("Dee", Decimal(0))], version)  # replaces
    assert (proposal.merit, proposal.spread) == (Decimal(50), Decimal(100))
    # Someone who opened the scores before that save can't overwrite it.
    with pytest.raises(ConflictError):
        set_scores(_rm(), proposal, [ScoreInput("Eve", Decimal(10))], version)
    assert (proposal.merit, proposal.spread) == (Decimal(50), Decimal(100))


@pytest.mark.parametrize(
    ("scores", "field"),
    [
        ((("Ana", "80"), ("Ana", "70")), "scores[1].reviewer"),
        ((("Ana", "80"), (" Ana ", "70")), "scores[1].reviewer"),
        ((("Ana", "100.01"),), "scores[0].score"),
        ((("Ana", "80"), ("Ben", "-1")), "scores[1].score"),
        ((("Ana", "80.125"),), "scores[0].score"),
        ((("", "80"),), "scores[0].reviewer"),
    ],
)
def test_bad_scores_are_refused_and_the_old_ones_kept(app, scores, field):
    notice = _notice()
    proposal = _proposal(notice, "P-1", merit="80")
    db.session.commit()
    with pytest.raises(ValidationError) as refused:
        set_scores(
            _rm(), proposal, [ScoreInput(reviewer, Decimal(score)) for reviewer, score in scores], proposal.version
        )
    assert field in refused.value.fields
    db.session.rollback()
    assert proposal.merit == Decimal(80)


def test_a_decision_on_a_stale_proposal_is_a_conflict(app):
    notice = _notice()
    proposal = _proposal(notice, "P-1")
    db.session.commit()
    opened = proposal.version
    set_decision(_rm(), proposal, ProposalDecision.FORCE_IN, opened)
    db.session.commit()
    with pytest.raises(ConflictError):
        set_decision(_rm(), proposal, ProposalDecision.FORCE_OUT, opened)
    db.session.rollback()
    assert proposal.decision == ProposalDecision.FORCE_IN


# --- The selection problem ------------------------------------------------------------------------------------------


def test_the_problem_leaves_out_ineligible_and_unscored_proposals_and_turns_shares_into_amounts(app):
    notice = _notice(
        amount="1234567",
        rules="at least 30% protection\nno more than 2 awards in EAP",
        program_types=("bilateral", "ttaa"),
    )
    _proposal(notice, "P-1", "300000", merit="81.5")
    _proposal(notice, "P-2", "200000", program_type="eva")  # the notice doesn't cover emergency victim assistance
    _proposal(notice, "P-3", "200000", merit=None)  # nobody has scored it
    forced_in = _proposal(notice, "P-4", "150000", program_type="ttaa", region="EAP")
    forced_out = _proposal(notice, "P-5", "400000", merit="95")
    set_decision(_rm(), forced_in, ProposalDecision.FORCE_IN, forced_in.version)
    set_decision(_rm(), forced_out, ProposalDecision.FORCE_OUT, forced_out.version)

    problem = build_selection_problem(notice)

    assert [p["id"] for p in problem["proposals"]] == ["P-1", "P-4", "P-5"]
    first = problem["proposals"][0]
    assert (first["cost"], Decimal(str(first["score"]))) == (300_000, Decimal("81.5"))
    assert first["key"] == {"region": "WHA", "priority": "protection", "program_type": "bilateral"}
    assert problem["budget"] == 1_234_567
    assert problem["must_fund"] == ["P-4"]
    assert problem["exclude"] == ["P-5"]
    rules = {rule["id"]: rule for rule in problem["rules"]}
    share = rules["min-share-protection"]
    assert share["where"] == {"priority": ["protection"]}
    assert Decimal(str(share["min_amount"])) == Decimal("370370.10")  # 30% of $1,234,567
    assert rules["max-count-eap"]["max_count"] == 2

    run = run_selection(_rm(), notice)
    note = " ".join(run.result["messages"])
    assert "P-2" in note
    assert "program type" in note
    assert "P-3" in note
    assert "scored" in note
    assert "P-1" not in note.split("not considered")[-1]
    assert sorted(run.selected) == ["P-1", "P-4"]  # P-5 is excluded, and P-1 + P-4 fit and meet 30% protection


def test_a_notice_with_nothing_scored_has_no_problem_to_solve(app):
    notice = _notice()
    _proposal(notice, "P-1", merit=None)
    with pytest.raises(ValidationError) as refused:
        build_selection_problem(notice)
    assert "proposals" in refused.value.fields


# --- Selection against brute force ---------------------------------------------------------------------------------


def _matches(proposal: Proposal, where: dict) -> bool:
    key = {
        "region": proposal.region.code,
        "priority": proposal.priority.code,
        "program_type": proposal.program_type.code,
        "country": proposal.country.iso3 if proposal.country else None,
    }
    return all(key[dimension] in codes for dimension, codes in where.items())


def _merit_hundredths(proposal: Proposal) -> int:
    """The reviewers' mean in hundredths; the tests score so that the mean is exact."""
    total = sum(score.score_hundredths for score in proposal.scores)
    assert total % len(proposal.scores) == 0
    return total // len(proposal.scores)


def _brute_force(notice: FundingNotice, proposals: list[Proposal]) -> tuple[int, int, list[frozenset[str]]] | None:
    """(best merit in hundredths, least cost in cents among the best, every selection reaching both), or None."""
    budget = notice.amount_cents
    best: tuple[int, int] | None = None
    winners: list[frozenset[str]] = []
    for size in range(len(proposals) + 1):
        for chosen in itertools.combinations(proposals, size):
            numbers = {p.number for p in chosen}
            if any(p.decision == ProposalDecision.FORCE_IN and p.number not in numbers for p in proposals):
                continue
            if any(p.decision == ProposalDecision.FORCE_OUT for p in chosen):
                continue
            cost = sum(p.cost_cents for p in chosen)
            if cost > budget or not all(_keeps(rule, chosen, budget) for rule in notice.rules):
                continue
            value = (sum(_merit_hundredths(p) for p in chosen), -cost)
            if best is None or value > best:
                best, winners = value, [frozenset(numbers)]
            elif value == best:
                winners.append(frozenset(numbers))
    return None if best is None else (best[0], -best[1], winners)


def _keeps(rule, chosen, notice_cents: int) -> bool:
    members = [p for p in chosen if _matches(p, rule.where)]
    count, cents = len(members), sum(p.cost_cents for p in members)
    return all(
        (
            rule.min_count is None or count >= rule.min_count,
            rule.max_count is None or count <= rule.max_count,
            rule.min_amount_cents is None or cents >= rule.min_amount_cents,
            rule.max_amount_cents is None or cents <= rule.max_amount_cents,
            # cents / notice ≥ bp / 10,000, in integers
            rule.min_share_bp is None or cents * 10_000 >= rule.min_share_bp * notice_cents,
            rule.max_share_bp is None or cents * 10_000 <= rule.max_share_bp * notice_cents,
        )
    )


RULE_CHOICES = (
    "at least 1 award in WHA",
    "at least 2 awards in WHA, AF",
    "no more than $400,000 in EAP",
    "at least 25% protection",
    "no more than 40% prosecution",
    "at most 2 awards for ttaa",
    "at most 4 awards",
    "at least $150,000 in AF",
)


def _random_notice(seed: int) -> tuple[FundingNotice, list[Proposal]]:
    rng = random.Random(seed)
    rules = "\n".join(rng.sample(RULE_CHOICES, rng.randint(1, 4)))
    specs = []
    for i in range(rng.randint(5, 8)):
        specs.append(
            {
                "number": f"R{seed}-{i + 1}",
                "cost": str(rng.randrange(100, 600) * 1000),
                "region": rng.choice(["WHA", "EAP", "AF"]),
                "priority": rng.choice(["protection", "prosecution", "prevention"]),
                "program_type": rng.choice(["bilateral", "ttaa"]),
                "merit": f"{rng.randrange(5000, 9500) / 100:.2f}",
            }
        )
    total = sum(int(spec["cost"]) for spec in specs)
    amount = total * rng.randrange(40, 75) // 100 // 1000 * 1000
    notice = _notice(f"NOFO-RANDOM-{seed}", str(amount), rules, program_types=("bilateral", "ttaa"))
    proposals = [
        _proposal(notice, spec.pop("number"), spec.pop("cost"), merit=spec.pop("merit"), **spec) for spec in specs
    ]
    for proposal in proposals:
        roll = rng.random()
        if roll < 0.08:
            set_decision(_rm(), proposal, ProposalDecision.FORCE_IN, proposal.version)
        elif roll < 0.16:
            set_decision(_rm(), proposal, ProposalDecision.FORCE_OUT, proposal.version)
    return notice, proposals


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6, 7, 8])
def test_selection_is_the_brute_force_optimum(app, seed):
    notice, proposals = _random_notice(seed)
    expected = _brute_force(notice, proposals)

    run = run_selection(_rm(), notice)

    if expected is None:
        assert run.status == RunStatus.INFEASIBLE
        assert run.result["conflicts"]
        return
    merit, cost, winners = expected
    assert run.status == RunStatus.OPTIMAL
    chosen = [p for p in proposals if p.number in set(run.selected)]
    assert sum(_merit_hundredths(p) for p in chosen) == merit
    assert sum(p.cost_cents for p in chosen) == cost
    assert frozenset(run.selected) in winners
    assert Decimal(str(run.result["total_cost"])) * 100 == cost


def test_some_random_notices_are_tight_enough_to_matter(app):
    """The seeds above are worth their time: rules and budget bind, and not everything fits."""
    binding = 0
    for seed in (1, 2, 3, 4, 5, 6, 7, 8):
        notice, proposals = _random_notice(seed)
        expected = _brute_force(notice, proposals)
        unconstrained = sum(p.cost_cents for p in proposals if p.decision != ProposalDecision.FORCE_OUT)
        if expected is not None and expected[1] < unconstrained:
            binding += 1
    assert binding >= 6


def _hand_notice() -> tuple[FundingNotice, dict[str, Proposal]]:
    """$1,000,000 and four proposals: A $600k merit 90, B $500k 80, C $400k 70, D $300k 60.

    Within budget: A+C 160 ($1.0M), A+D 150, B+C 150 ($900k), B+D 140, C+D 130; three never fit.
    """
    notice = _notice("NOFO-HAND", "1000000")
    proposals = {
        name: _proposal(notice, name, cost, merit=merit)
        for name, cost, merit in (("A", "600000", "90"), ("B", "500000", "80"), ("C", "400000", "70"),
                                  ("D", "300000", "60"))
    }  # fmt: skip
    return notice, proposals


def test_forcing_proposals_out_and_in_changes_the_selection(app):
    notice, proposals = _hand_notice()
    assert sorted(run_selection(_rm(), notice).selected) == ["A", "C"]

    set_decision(_rm(), proposals["A"], ProposalDecision.FORCE_OUT, proposals["A"].version)
    assert sorted(run_selection(_rm(), notice).selected) == ["B", "C"]  # 150 beats B+D 140 and C+D 130

    set_decision(_rm(), proposals["D"], ProposalDecision.FORCE_IN, proposals["D"].version)
    assert sorted(run_selection(_rm(), notice).selected) == ["B", "D"]  # with D: B+D 140 beats C+D 130


def test_ties_go_to_the_cheaper_selection(app):
    notice = _notice("NOFO-TIES", "1000000")
    _proposal(notice, "A", "600000", merit="80")
    _proposal(notice, "B", "500000", merit="80")
    _proposal(notice, "C", "450000", merit="80")
    # Of the pairs only B+C ($950k) fits: A+B is $1.1M, A+C $1.05M.
    assert sorted(run_selection(_rm(), notice).selected) == ["B", "C"]
    _proposal(notice, "D", "300000", merit="80")
    # Now A+D $900k, B+D $800k, C+D $750k and B+C $950k all score 160, and no three fit (the cheapest three,
    # B+C+D, come to $1.25M): C+D is the cheapest of the best.
    assert sorted(run_selection(_rm(), notice).selected) == ["C", "D"]


def test_rules_that_cannot_all_hold_are_reported_as_conflicts(app):
    notice = _notice("NOFO-TIGHT", "1000000", "at least 3 awards in WHA\nno more than $3,000,000 in EAP")
    _proposal(notice, "W-1", "100000", region="WHA")
    _proposal(notice, "W-2", "100000", region="WHA")
    _proposal(notice, "E-1", "100000", region="EAP")

    run = run_selection(_rm(), notice)

    assert run.status == RunStatus.INFEASIBLE
    conflicts = {conflict["id"]: conflict for conflict in run.result["conflicts"]}
    assert set(conflicts) == {"min-count-wha"}  # only two WHA proposals exist: the floor of three is one short
    assert Decimal(str(conflicts["min-count-wha"]["relaxed_by"])) == 1


# --- Awards from a selection ----------------------------------------------------------------------------------------


def _award_notice() -> tuple[FundingNotice, dict[str, Proposal]]:
    """$1,000,000; P-1 $400k (+ FY2028 $300k, FY2029 $200k) 90, P-2 $350k 85, P-3 $500k 70.

    Pairs: P-1+P-2 175 ($750k), P-1+P-3 160 ($900k), P-2+P-3 155; all three ($1.25M) don't fit.
    """
    notice = _notice("NOFO-AWARD", "1000000", "at least 1 award in AF")
    proposals = {
        "P-1": _proposal(
            notice, "P-1", "400000", merit="90", region="AF", country="GHA",
            out_years={2028: "300000", 2029: "200000"}, months=36,
        ),
        "P-2": _proposal(notice, "P-2", "350000", merit="85", priority="prevention", months=12),
        "P-3": _proposal(notice, "P-3", "500000", merit="70", region="EAP"),
    }  # fmt: skip
    return notice, proposals


def test_make_awards_turns_the_selection_into_pending_awards(app):
    plan = plan_scenario()
    incle = appropriation("INCLE", 2027)
    notice, proposals = _award_notice()
    run = run_selection(_rm(), notice)
    db.session.commit()
    assert run.status == RunStatus.OPTIMAL
    assert sorted(run.selected) == ["P-1", "P-2"]
    assert is_current(run)

    awards, warnings = make_awards(_rm(), run, dt.date(2026, 11, 1))
    db.session.commit()

    assert warnings == []
    by_number = {award.number: award for award in awards}
    assert sorted(by_number) == ["NOFO-AWARD-P-1", "NOFO-AWARD-P-2"]
    first, second = by_number["NOFO-AWARD-P-1"], by_number["NOFO-AWARD-P-2"]
    assert [(f.fiscal_year, f.account_code, f.amount_cents) for f in first.funding] == [
        (2027, "INCLE", 400_000_00),
        (2028, "INCLE", 300_000_00),
        (2029, "INCLE", 200_000_00),
    ]
    assert first.total_cents == 900_000_00
    assert [(f.fiscal_year, f.account_code, f.amount_cents) for f in second.funding] == [(2027, "INCLE", 350_000_00)]
    assert all(award.status == AwardStatus.PENDING and award.obligated_cents == 0 for award in awards)
    assert first.proposal_id == proposals["P-1"].id
    assert (first.region.code, first.country.iso3, first.priority.code, first.program_type.code) == (
        "AF", "GHA", "protection", "bilateral",
    )  # fmt: skip
    assert first.partner == "Applicant of P-1"
    assert first.division.code == "IP"
    # 36 months from 1 November 2026 end on 31 October 2029; 12 months on 31 October 2027.
    assert (first.starts_on, first.ends_on) == (dt.date(2026, 11, 1), dt.date(2029, 10, 31))
    assert second.ends_on == dt.date(2027, 10, 31)
    assert all(fiscal_year_of(a.ends_on) >= max(f.fiscal_year for f in a.funding) for a in awards)

    lines = db.session.scalars(
        sa.select(BudgetLine).where(
            BudgetLine.source == LineSource.AWARD, BudgetLine.source_id.in_([first.id, second.id])
        )
    ).all()
    assert sorted((line.scenario_id, line.appropriation_id, line.amount_cents, line.stage) for line in lines) == [
        (plan.id, incle.id, 350_000_00, LineStage.COMMITTED),
        (plan.id, incle.id, 400_000_00, LineStage.COMMITTED),
    ]
    assert notice.status == NoticeStatus.AWARDED
    assert run.awarded_at is not None

    with pytest.raises(WorkflowError):
        make_awards(_rm(), run, dt.date(2026, 11, 1))
    db.session.rollback()


def _fill_the_plan(plan: Scenario, incle: Appropriation) -> None:
    assert fill_the_plan(plan, incle, TODAY) > 0


def _planned_program(plan: Scenario, incle: Appropriation, region: str | None = None, priority: str | None = None):
    total = 0
    for line in db.session.scalars(sa.select(BudgetLine).where(BudgetLine.scenario_id == plan.id)):
        if (
            line.appropriation_id == incle.id
            and line.object_class.code == "41.0"
            and line.stage == LineStage.PLANNED
            and line.source != LineSource.AWARD
            and (region is None or line.region.code == region)
            and (priority is None or line.priority.code == priority)
        ):
            total += line.amount_cents
    return total


def test_a_full_plan_makes_room_for_the_awards_from_their_own_cells_first(app):
    plan, incle = plan_scenario(), appropriation("INCLE", 2027)
    _fill_the_plan(plan, incle)
    notice, _ = _award_notice()  # selects P-1 (AF, protection, $400k) and P-2 (WHA, prevention, $350k)
    run = run_selection(_rm(), notice)
    db.session.commit()
    planned_before = _planned_program(plan, incle)
    af_protection_before = _planned_program(plan, incle, "AF", "protection")

    awards, _ = make_awards(_rm(), run, dt.date(2026, 11, 1))
    db.session.commit()

    assert len(awards) == 2
    # Nothing was left, so the plan's planned program money gives way by exactly the awards' $750,000 ...
    assert planned_before - _planned_program(plan, incle) == 750_000_00
    assert status_of(incle, plan, TODAY).available_cents == 0
    # ... first from the awards' own cells (AF protection up to P-1's $400,000).
    assert af_protection_before - _planned_program(plan, incle, "AF", "protection") >= min(
        400_000_00, af_protection_before
    )
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "scenario.make_room"))
    assert event is not None
    assert event.entity_id == plan.id
    assert sum(event.before["amount_cents"].values()) - sum(event.after["amount_cents"].values()) == 750_000_00


def test_without_making_room_a_full_plan_refuses_the_awards(app):
    plan, incle = plan_scenario(), appropriation("INCLE", 2027)
    _fill_the_plan(plan, incle)
    notice, _ = _award_notice()
    run = run_selection(_rm(), notice)
    db.session.commit()
    before = database_fingerprint()
    with pytest.raises(FundsError):
        make_awards(_rm(), run, dt.date(2026, 11, 1), make_room_in_plans=False)
    db.session.rollback()
    assert database_fingerprint() == before


def test_a_selected_proposal_that_cannot_become_an_award_is_named_and_nothing_is_awarded(app):
    notice, _ = _award_notice()
    run = run_selection(_rm(), notice)
    db.session.commit()
    assert sorted(run.selected) == ["P-1", "P-2"]
    # Someone already entered an award under the number P-2's award would take (notice number, proposal number).
    create_award(
        _rm(),
        AwardInput(
            number="NOFO-AWARD-P-2",
            title="Entered by hand",
            partner="Someone",
            division_id=_id(Division, "IP"),
            program_type_id=_id(ProgramType, "bilateral"),
            region_id=_id(Region, "WHA"),
            priority_id=_id(Priority, "protection"),
            starts_on=dt.date(2026, 11, 1),
            ends_on=dt.date(2027, 9, 30),
            total=Decimal(1000),
            funding=(FundingInput(2027, "INCLE", Decimal(1000)),),
        ),
    )
    db.session.commit()
    before = database_fingerprint()

    with pytest.raises(ValidationError) as refused:
        make_awards(_rm(), run, dt.date(2026, 11, 1))

    # The run page shows only the message: it must name the proposal and the problem, and P-1's award is undone too.
    assert refused.value.message.startswith("Proposal P-2 can't become an award: Another award has this number.")
    db.session.rollback()
    assert database_fingerprint() == before
    assert db.session.get(FundingNotice, notice.id).status == NoticeStatus.OPEN


def test_an_awarded_notice_is_settled(app):
    notice, proposals = _award_notice()
    run = run_selection(_rm(), notice)
    make_awards(_rm(), run, dt.date(2026, 11, 1))
    db.session.commit()
    proposal = proposals["P-3"]
    before = database_fingerprint()
    attempts = (
        lambda: update_proposal(_rm(), proposal, _proposal_input("P-3", "1000"), proposal.version),
        lambda: set_scores(_rm(), proposal, [ScoreInput("A", Decimal(99))], proposal.version),
        lambda: set_decision(_rm(), proposal, ProposalDecision.FORCE_IN, proposal.version),
        lambda: create_proposal(_rm(), notice, _proposal_input("P-9")),
        lambda: update_notice(_rm(), notice, _notice_input("NOFO-AWARD", "2000000"), notice.version),
        lambda: run_selection(_rm(), notice),
    )
    for attempt in attempts:
        with pytest.raises(WorkflowError):
            attempt()
        db.session.rollback()
    assert database_fingerprint() == before


def test_moving_a_notice_to_a_year_that_strands_out_years_is_refused(app):
    notice = _notice()  # FY2027
    create_proposal(_rm(), notice, _proposal_input("P-1", out_years={2028: "1000"}))
    db.session.commit()
    with pytest.raises(ValidationError) as refused:
        update_notice(_rm(), notice, _notice_input(fiscal_year=2028), notice.version)  # P-1's FY2028 is no out-year
    assert "P-1" in refused.value.fields["fiscal_year"]


def test_retitling_the_notice_or_a_proposal_keeps_the_run_current(app):
    notice, proposals = _award_notice()
    run = run_selection(_rm(), notice)
    db.session.commit()
    same = _notice_input("NOFO-AWARD", "1000000", "at least 1 award in AF", title="Renamed notice")
    update_notice(_rm(), notice, same, notice.version)
    db.session.commit()
    assert is_current(run)  # a new name decides nothing
    set_decision(_rm(), proposals["P-1"], ProposalDecision.FORCE_OUT, proposals["P-1"].version)
    db.session.commit()
    assert not is_current(run)  # a decision does


def test_a_run_made_stale_by_a_new_score_is_not_awarded(app):
    notice, proposals = _award_notice()
    run = run_selection(_rm(), notice)
    db.session.commit()
    set_scores(_rm(), proposals["P-3"], [ScoreInput("A", Decimal(99))], proposals["P-3"].version)
    db.session.commit()
    assert not is_current(run)
    before = database_fingerprint()

    with pytest.raises(ConflictError) as refused:
        make_awards(_rm(), run, dt.date(2026, 11, 1))
    assert type(refused.value) is ConflictError  # not a workflow refusal: run the selection again
    assert "run the selection again" in refused.value.message
    db.session.rollback()
    assert database_fingerprint() == before
    assert db.session.get(FundingNotice, notice.id).status == NoticeStatus.OPEN


def test_only_the_latest_run_is_awarded(app):
    notice, _ = _award_notice()
    older = run_selection(_rm(), notice)
    newer = run_selection(_rm(), notice)
    db.session.commit()
    before = database_fingerprint()
    with pytest.raises(ConflictError) as refused:
        make_awards(_rm(), older, dt.date(2026, 11, 1))
    assert "newer run" in refused.value.message
    db.session.rollback()
    assert database_fingerprint() == before
    awards, _ = make_awards(_rm(), newer, dt.date(2026, 11, 1))
    assert len(awards) == 2


def test_a_run_that_is_not_optimal_is_not_awarded(app):
    notice, _ = _award_notice()
    forced = _proposal(notice, "P-4", "900000", merit="50")
    set_decision(_rm(), forced, ProposalDecision.FORCE_IN, forced.version)
    run = run_selection(_rm(), notice)  # P-4 forced in leaves $100k: no AF proposal fits, the AF rule can't hold
    db.session.commit()
    assert run.status == RunStatus.INFEASIBLE
    before = database_fingerprint()
    with pytest.raises(WorkflowError):
        make_awards(_rm(), run, dt.date(2026, 11, 1))
    db.session.rollback()
    assert database_fingerprint() == before


# --- The demo office's programs -------------------------------------------------------------------------------------


def test_the_demo_portfolio(app):
    awards = list(db.session.scalars(sa.select(Award)))
    assert len(awards) == 60
    assert {award.program_type.code for award in awards} == set(
        db.session.scalars(sa.select(ProgramType.code))
    )  # every program type
    long_cpc = [
        award
        for award in awards
        if award.program_type.code == "cpc" and fiscal_year_of(award.ends_on) - fiscal_year_of(award.starts_on) + 1 >= 4
    ]
    assert len(long_cpc) >= 6
    assert all(len({row.fiscal_year for row in award.funding}) >= 4 for award in long_cpc)
    assert {award.status for award in awards} == set(AwardStatus)
    for award in awards:
        assert sum(row.amount_cents for row in award.funding) == award.total_cents
        assert 0 <= award.expended_cents <= award.obligated_cents <= award.total_cents

    notice = db.session.get(FundingNotice, demo_notice_id())
    assert notice.number == "SFOP0010027"
    assert notice.status == NoticeStatus.OPEN
    assert len(notice.proposals) == 150
    assert all(len(proposal.scores) == 3 for proposal in notice.proposals)

    plan = plan_scenario()
    everything = list(db.session.scalars(sa.select(Appropriation)))
    overdrawn = [status.appropriation.label for status in status_table(plan, TODAY, everything) if status.is_overdrawn]
    assert overdrawn == []


def test_the_demo_notices_selection_is_optimal_and_keeps_every_rule(app):
    notice = db.session.get(FundingNotice, demo_notice_id())
    run = run_selection(_rm(), notice)
    db.session.commit()

    assert run.status == RunStatus.OPTIMAL
    by_number = {proposal.number: proposal for proposal in notice.proposals}
    chosen = [by_number[number] for number in run.selected]
    assert chosen

    def count(test) -> int:
        return sum(1 for p in chosen if test(p))

    def cents(test) -> int:
        return sum(p.cost_cents for p in chosen if test(p))

    assert cents(lambda p: True) <= 12_000_000_00  # the notice's $12,000,000
    assert all(p.program_type.code in {"bilateral", "regional", "ttaa", "research"} for p in chosen)
    assert all(p.scores for p in chosen)
    # The demo notice's rules, read off its text:
    assert count(lambda p: p.region.code == "WHA") >= 2  # at least 2 awards in WHA
    assert cents(lambda p: p.region.code == "EAP") <= 3_000_000_00  # no more than $3,000,000 in EAP
    assert cents(lambda p: p.priority.code == "protection") * 10 >= 12_000_000_00 * 3  # at least 30% protection
    assert count(lambda p: p.region.code == "AF") >= 1  # at least 1 award in AF
    assert count(lambda p: p.program_type.code == "research") <= 3  # no more than 3 awards for research
    # Nothing eligible was passed over that would have fitted in what is left and raised the total merit.
    left = 12_000_000_00 - cents(lambda p: True)
    eligible = [p for p in notice.proposals if p.program_type.code != "eva" and p.number not in run.selected]
    assert not any(p.cost_cents <= left and _fits_rules(notice, [*chosen, p]) for p in eligible)
    assert db.session.scalar(sa.select(sa.func.count(SelectionRun.id))) == 1


def _fits_rules(notice: FundingNotice, chosen: list[Proposal]) -> bool:
    return all(_keeps(rule, chosen, notice.amount_cents) for rule in notice.rules)


def test_the_room_awards_need_is_shown_before_and_is_what_they_take(app):
    plan, incle = plan_scenario(), appropriation("INCLE", 2027)
    _fill_the_plan(plan, incle)
    notice, _ = _award_notice()  # selects P-1 (AF, protection, $400k) and P-2 (WHA, prevention, $350k)
    run = run_selection(_rm(), notice)
    db.session.commit()
    chosen = [proposal for proposal in notice.proposals if proposal.number in run.selected]

    (room,) = room_for_awards(notice, chosen)
    assert room.plan == plan
    assert room.shortfall_cents == room.taken_cents == 750_000_00
    preview = {giving_way.line.id: giving_way.after_cents for giving_way in room.lines}
    db.session.rollback()
    assert {
        line_id: db.session.get(BudgetLine, line_id).amount_cents for line_id in preview
    } != preview  # nothing written

    make_awards(_rm(), run, dt.date(2026, 11, 1))
    db.session.commit()
    assert {line_id: db.session.get(BudgetLine, line_id).amount_cents for line_id in preview} == preview
