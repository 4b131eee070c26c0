"""What pages print, computed once in Python rather than in the templates."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from models import Award, Proposal, ProposalDecision, RequestStatus, StaffingRequest
from services.allocation.results import fund_rows, relaxation
from services.programs.selection_results import RunSummary
from services.requests.lines import Allowance
from services.requests.queries import TravelPlan
from services.scenarios.compare import ComparedRow


def test_allocation_amounts_are_read_exactly_from_the_result():
    run = SimpleNamespace(
        problem={"funds": [{"id": "incle", "label": "INCLE FY2027"}]},
        result={
            "funds": [{"id": "incle", "available": 1234.57, "allocated": 1234, "unallocated": 0.57}],
            "conflicts": [
                {"label": "Africa floor", "side": "min_share", "relaxed_by": 1200},
                {"label": "INCLE", "side": "spend_all", "relaxed_by": 300},
            ],
        },
    )
    (fund,) = fund_rows(run)
    # 0.57 × 100 as a float is 56.99999999999999: multiplied as a float, the page showed a cent less.
    assert (fund["available_cents"], fund["allocated_cents"], fund["unallocated_cents"]) == (123_457, 123_400, 57)
    conflicts = relaxation(run)
    shown = [(row.side, row.relaxed_by_cents) for row in conflicts.rows]
    assert shown == [("min share", 120_000), ("spend all", 30_000)]
    assert conflicts.total_cents == 150_000


@pytest.mark.parametrize(
    ("a_cents", "b_cents", "label"),
    [
        (800, 900, "12.5%"),
        (300, 400, "33.3%"),
        (1000, 0, "-100.0%"),
        (0, 500, "new"),
        (0, 0, "—"),
        (200_000, 200_001, "0.0%"),
    ],
)
def test_a_comparisons_percent_label(a_cents, b_cents, label):
    assert ComparedRow((), a_cents, b_cents).percent_label == label


@pytest.mark.parametrize(("gap", "label"), [(0.0125, "1.25%"), (0.1, "10.00%"), (None, None)])
def test_a_selection_runs_gap(gap, label):
    run = SimpleNamespace(result={"gap": gap})
    summary = RunSummary(run, 0, None, [], [], [], [], [], [])
    assert summary.gap_label == label


def test_what_a_request_needs_beyond_the_divisions_budget():
    assert Allowance(remaining_cents=10_000, request_cents=25_000).beyond_cents == 15_000
    assert Allowance(remaining_cents=10_000, request_cents=10_000).beyond_cents == 0
    assert Allowance(remaining_cents=-5_000, request_cents=0).beyond_cents == 5_000  # overdrawn already


def test_a_travel_plan_totals_its_approved_trips_apart():
    trips = [
        SimpleNamespace(status=RequestStatus.APPROVED, total_cents=100_00),
        SimpleNamespace(status=RequestStatus.SUBMITTED, total_cents=250_00),
        SimpleNamespace(status=RequestStatus.APPROVED, total_cents=1),
    ]
    plan = TravelPlan(trips)
    assert (plan.approved_cents, plan.total_cents) == (100_01, 350_01)


@pytest.mark.parametrize(
    ("decision", "choices"),
    [
        (ProposalDecision.NONE, ["force_in", "force_out"]),
        (ProposalDecision.FORCE_IN, ["force_out", "none"]),
        (ProposalDecision.FORCE_OUT, ["force_in", "none"]),
    ],
)
def test_a_proposal_offers_every_decision_but_its_own(decision, choices):
    assert [choice.value for choice in Proposal(decision=decision).decision_choices] == choices


def test_record_values_in_exact_decimals():
    assert Award(obligated_cents=500_000, expended_cents=123_456).unexpended_cents == 376_544
    staffing = StaffingRequest(fte_basis_points=5_000, benefits_rate_basis_points=3_645)
    assert (f"{staffing.fte:.2f}", f"{staffing.benefits_rate_percent:.2f}") == ("0.50", "36.45")
