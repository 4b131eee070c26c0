"""Infeasible selections: the least relaxation, dollars first, then proposals; never a bare
"infeasible". must_fund and exclude stay as they are; the budget and every rule may move."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from test_planner_selection_helpers import conflicts, problem, proposal, rule, run

from planner import SelectionResult

SOLVERS = ("highs", "cbc")
pytestmark = pytest.mark.parametrize("solver", SOLVERS)


def _infeasible(data: dict[str, Any], solver: str) -> SelectionResult:
    result = run(data, solver)
    assert result.status == "infeasible", result.messages
    assert result.objective is None
    assert result.selected == ()
    assert result.total_cost is None
    assert "No selection keeps every limit." in result.messages
    assert _relaxed(data, result).status == "optimal"
    return result


def test_must_fund_over_the_budget(solver: str) -> None:
    data = problem([proposal("A", 100, 1), proposal("B", 50, 1), proposal("C", 10, 9)], 100, must_fund=["A", "B"])
    result = _infeasible(data, solver)
    assert conflicts(result) == {("budget", "max_amount"): 50}
    assert [(c.kind, c.unit) for c in result.conflicts] == [("budget", "dollars")]
    assert "The must_fund proposals alone put $150 against the budget, above its $100." in result.messages
    assert result.messages[-1] == (
        "The least relaxation that makes it feasible moves 1 limit(s) by $50 in all; see conflicts."
    )


def test_a_floor_beyond_what_its_proposals_cost(solver: str) -> None:
    # AF has $600 of proposals; its floor is $800: only the rule can give (the budget cannot help).
    proposals = [proposal("A1", 300, 5), proposal("A2", 300, 5), proposal("E1", 100, 9, "EUR")]
    data = problem(proposals, 1_000, [rule("af-floor", {"region": ["AF"]}, min_amount=800)])
    result = _infeasible(data, solver)
    assert conflicts(result) == {("af-floor", "min_amount"): 200}
    assert "Rule af-floor (min_amount) needs $800, but the proposals it covers that are not excluded come to $600." in (
        result.messages
    )


def test_a_count_beyond_the_proposals_there_are(solver: str) -> None:
    proposals = [proposal("A1", 10, 5), proposal("A2", 10, 5), proposal("A3", 10, 5)]
    data = problem(proposals, 1_000, [rule("af-four", {"region": ["AF"]}, min_count=4)], exclude=["A3"])
    result = _infeasible(data, solver)
    assert conflicts(result) == {("af-four", "min_count"): 2}  # A3 is excluded, and exclude stays
    assert result.conflicts[0].unit == "proposals"
    assert result.messages[-1].endswith("by 2 proposals in all; see conflicts.")


def test_a_cap_below_what_must_be_funded(solver: str) -> None:
    proposals = [proposal("E1", 150, 5, "EAP"), proposal("E2", 10, 5, "EAP")]
    data = problem(proposals, 1_000, [rule("eap-max", {"region": ["EAP"]}, max_amount=100)], must_fund=["E1"])
    assert conflicts(_infeasible(data, solver)) == {("eap-max", "max_amount"): 50}


def test_dollars_are_relaxed_before_proposals(solver: str) -> None:
    # Two AF proposals are needed, but two cost $400 against a cap of $250: relaxing the cap
    # takes $150, relaxing the count one proposal. Dollars come first, so the count gives.
    proposals = [proposal("A1", 200, 5), proposal("A2", 200, 5), proposal("A3", 200, 5)]
    rules = [rule("af-two", {"region": ["AF"]}, min_count=2), rule("af-cap", {"region": ["AF"]}, max_amount=250)]
    result = _infeasible(problem(proposals, 1_000, rules), solver)
    assert conflicts(result) == {("af-two", "min_count"): 1}


def test_the_fewest_dollars_over_several_limits(solver: str) -> None:
    # AF needs two $250 proposals and EUR two, against a budget of $800. Two AF and one EUR
    # ($750) leave EUR $150 short; all four break the budget by $200; one AF and two EUR
    # leave AF $250 short. The least is EUR's floor by $150.
    proposals = [proposal(f"A{i}", 250, 5) for i in range(3)] + [proposal(f"E{i}", 250, 5, "EUR") for i in range(3)]
    rules = [
        rule("af-floor", {"region": ["AF"]}, min_amount=500),
        rule("eur-floor", {"region": ["EUR"]}, min_amount=400),
    ]
    result = _infeasible(problem(proposals, 800, rules), solver)
    assert conflicts(result) == {("eur-floor", "min_amount"): 150}


def _relaxed(data: dict[str, Any], result: SelectionResult) -> SelectionResult:
    """The problem with each conflict's bound moved by its ``relaxed_by``, solved again."""
    relaxed = copy.deepcopy(data)
    for conflict in result.conflicts:
        sign = -1 if conflict.side.startswith("min") else 1
        if conflict.kind == "budget":
            relaxed["budget"] += conflict.relaxed_by
        else:
            target = next(r for r in relaxed["rules"] if r["id"] == conflict.id)
            target[conflict.side] += sign * int(conflict.relaxed_by)
    return run(relaxed)
