"""Proposal selection: each kind of rule alone, must_fund and exclude, the tie-break on cost,
what kept each proposal out, binding limits and the JSON."""

from __future__ import annotations

from decimal import Decimal

import pytest
from test_planner_selection_helpers import problem, proposal, reasons, rule, run

from planner import Infeasible, SelectionInfeasible, SelectionResult

SOLVERS = ("highs", "cbc")
pytestmark = pytest.mark.parametrize("solver", SOLVERS)


def _chosen(result: SelectionResult) -> set[str]:
    assert result.status == "optimal", result.messages
    return set(result.selected)


def test_the_best_scores_that_fit_the_budget(solver: str) -> None:
    # A alone (9) loses to B + C (8 + 7) for the same money.
    data = problem([proposal("A", 100, 9), proposal("B", 50, 8), proposal("C", 50, 7)], 100)
    result = run(data, solver)
    assert _chosen(result) == {"B", "C"}
    assert result.objective == 15
    assert result.total_cost == 100
    assert result.gap == 0.0
    assert result.solver == {"highs": "HiGHS", "cbc": "CBC"}[solver]


def test_equal_scores_go_to_the_lower_cost(solver: str) -> None:
    # {A} and {B, C} both score 10; {B, C} costs 80 against 90.
    data = problem([proposal("A", 90, 10), proposal("B", 40, 6), proposal("C", 40, 4)], 100)
    result = run(data, solver)
    assert _chosen(result) == {"B", "C"}
    assert result.total_cost == 80


def test_the_tie_break_never_trades_score_for_cost(solver: str) -> None:
    # A tenth of a point is worth more than any saving: $999,999 more for 0.1 more.
    data = problem([proposal("A", 1_000_000, 10.1), proposal("B", 1, 10)], 1_000_000)
    assert _chosen(run(data, solver)) == {"A"}


def test_a_cent_decides_between_equal_scores(solver: str) -> None:
    data = problem([proposal("A", "500000.01", 7), proposal("B", "500000.00", 7)], 600_000)
    result = run(data, solver)
    assert _chosen(result) == {"B"}
    assert result.total_cost == Decimal("500000.00")


def test_min_amount_pulls_in_a_region(solver: str) -> None:
    proposals = [proposal("E1", 50, 9, "EUR"), proposal("E2", 50, 8, "EUR"), proposal("A1", 60, 1, "AF")]
    rules = [rule("af-floor", {"region": ["AF"]}, min_amount=50)]
    assert _chosen(run(problem(proposals, 110, rules), solver)) == {"E1", "A1"}


def test_max_amount_caps_a_region(solver: str) -> None:
    proposals = [proposal("P1", 40, 9, "EAP"), proposal("P2", 40, 8, "EAP"), proposal("A1", 40, 2, "AF")]
    rules = [rule("eap-max", {"region": ["EAP"]}, max_amount=60)]
    result = run(problem(proposals, 1_000, rules), solver)
    assert _chosen(result) == {"P1", "A1"}
    assert reasons(result) == {"P2": "eap-max"}


def test_min_count_pulls_in_proposals(solver: str) -> None:
    proposals = [proposal("E1", 100, 9, "EUR"), proposal("W1", 50, 1, "WHA"), proposal("W2", 50, 2, "WHA")]
    rules = [rule("wha-two", {"region": ["WHA"]}, min_count=2)]
    assert _chosen(run(problem(proposals, 100, rules), solver)) == {"W1", "W2"}


def test_max_count_limits_proposals(solver: str) -> None:
    proposals = [proposal(f"E{i}", 10, 5 + i, "EUR") for i in range(4)] + [proposal("A1", 10, 1)]
    rules = [rule("eur-two", {"region": ["EUR"]}, max_count=2)]
    result = run(problem(proposals, 1_000, rules), solver)
    assert _chosen(result) == {"E2", "E3", "A1"}
    assert reasons(result) == {"E1": "eur-two", "E0": "eur-two"}


def test_a_rule_over_two_dimensions(solver: str) -> None:
    proposals = [
        proposal("AFx", 10, 9, "AF", priority="x"),
        proposal("AFy", 10, 8, "AF", priority="y"),
        proposal("EURx", 10, 7, "EUR", priority="x"),
    ]
    rules = [rule("af-x", {"region": ["AF"], "priority": ["x"]}, max_count=0)]
    assert _chosen(run(problem(proposals, 1_000, rules), solver)) == {"AFy", "EURx"}


def test_must_fund_and_exclude(solver: str) -> None:
    proposals = [proposal("A", 50, 9), proposal("B", 50, 8), proposal("C", 50, 7), proposal("D", 50, 1)]
    data = problem(proposals, 100, must_fund=["D"], exclude=["A"])
    result = run(data, solver)
    assert _chosen(result) == {"B", "D"}
    # D (1) is the lowest selected: A and C score above it.
    assert [(u.id, u.reason) for u in result.unfunded] == [("A", "exclude"), ("C", "budget")]


def test_reason_budget_for_the_best_proposal_when_money_is_tight(solver: str) -> None:
    data = problem([proposal("Big", 100, 9), proposal("B", 50, 8), proposal("C", 50, 7), proposal("D", 60, 1)], 100)
    result = run(data, solver)
    assert _chosen(result) == {"B", "C"}
    # Only proposals above the lowest selected (7) are listed: D (1) is not.
    assert [(u.id, u.score, u.reason) for u in result.unfunded] == [("Big", 9, "budget")]


def test_reason_names_the_rule_before_the_budget(solver: str) -> None:
    # The best EAP proposal breaks both eap-max and the budget; the rule is named.
    proposals = [
        proposal("EAP-best", 5_000_000, 99, "EAP"),
        proposal("EAP-2", 2_000_000, 80, "EAP"),
        proposal("EAP-3", 3_000_000, 75, "EAP"),
        proposal("AF-1", 4_000_000, 70),
        proposal("AF-2", 1_000_000, 60),
    ]
    rules = [rule("eap-max", {"region": ["EAP"]}, max_amount=6_000_000, min_count=2)]
    result = run(problem(proposals, 10_000_000, rules), solver)
    assert _chosen(result) == {"EAP-2", "EAP-3", "AF-1", "AF-2"}
    assert reasons(result) == {"EAP-best": "eap-max"}


def test_binding_limits(solver: str) -> None:
    proposals = [proposal("A", 60, 9), proposal("B", 30, 8, "EUR"), proposal("C", 30, 7, "EUR"), proposal("D", 5, 1)]
    rules = [
        rule("eur-one", {"region": ["EUR"]}, max_count=1),
        rule("af-floor", {"region": ["AF"]}, min_amount=60),
        rule("loose", {"region": ["AF"]}, max_amount=1_000),
    ]
    result = run(problem(proposals, 100, rules), solver)
    assert _chosen(result) == {"A", "B", "D"}
    binding = {(b.id, b.side): (b.limit, b.value) for b in result.binding}
    # The budget keeps C out ($5 left); eur-one is full; af-floor ($65 against $60) cannot lose A.
    assert binding == {
        ("budget", "max_amount"): (100, 95),
        ("eur-one", "max_count"): (1, 1),
        ("af-floor", "min_amount"): (60, 65),
    }
    explanations = {b.id: b.explanation for b in result.binding}
    assert explanations["budget"] == (
        "The selection puts $95 against it, of $100: the $5 left is too little for 1 unfunded proposal it covers."
    )
    assert explanations["eur-one"] == (
        "The selection funds 1 of the proposals it covers, its maximum: 1 unfunded proposal it covers cannot be added."
    )
    assert explanations["af-floor"] == (
        "The selection puts $65 against a floor of $60: it would break without any one of 1 funded proposal it covers."
    )


def test_the_json_shape(solver: str) -> None:
    data = problem([proposal("A", 100, 9), proposal("B", 50, 8.5), proposal("C", 50, 7)], 100)
    out = run(data, solver).to_json()
    assert out["format"] == "selection-result/1"
    assert out["status"] == "optimal"
    assert out["objective"] == 15.5
    assert out["selected"] == ["B", "C"]
    assert out["total_cost"] == 100
    assert out["gap"] == 0.0
    assert out["conflicts"] == []
    assert out["unfunded"] == [{"id": "A", "score": 9, "reason": "budget"}]
    assert out["binding"][0]["id"] == "budget"
    assert set(out["binding"][0]) == {"id", "kind", "label", "side", "limit", "value", "explanation"}
    assert out["messages"] == ["Selected 2 of 3 proposals for $100 of the $100 budget, with a total score of 15.5."]
    assert out["solver"]["name"] in ("HiGHS", "CBC")
    assert out["solver"]["seconds"] >= 0


def test_nothing_fits(solver: str) -> None:
    result = run(problem([proposal("A", 100, 9), proposal("B", 200, 8)], 50), solver)
    assert result.status == "optimal"
    assert result.selected == ()
    assert result.objective == 0
    # Nothing selected: every proposal is listed with what kept it out.
    assert reasons(result) == {"A": "budget", "B": "budget"}


def test_ensure_optimal(solver: str) -> None:
    result = run(problem([proposal("A", 10, 1)], 10), solver)
    assert result.ensure_optimal() is result
    infeasible = run(problem([proposal("A", 10, 1)], 5, must_fund=["A"]), solver)
    with pytest.raises(SelectionInfeasible, match=r"budget by \$5") as caught:
        infeasible.ensure_optimal()
    assert isinstance(caught.value, Infeasible)  # callers may catch the planner's own
    assert caught.value.result is infeasible


def test_a_requested_gap(solver: str) -> None:
    proposals = [proposal(f"P{i}", 10 + i % 5, 1 + i % 7) for i in range(30)]
    result = run(problem(proposals, 100, options={"gap": 0.25}), solver)
    assert result.status == "optimal"
    assert "Optimal within the requested gap of 25%" in result.messages[-1]
    if solver == "highs":
        assert result.gap is not None
        assert 0 <= result.gap <= 0.25
    assert {u.reason for u in result.unfunded} <= {"budget", "gap"}
