"""Infeasible problems: the least relaxation, in dollars, and never a bare "infeasible"."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from planner_helpers import SOLVERS, cell, fund, problem, run

from planner import Infeasible, Result

pytestmark = pytest.mark.parametrize("solver", SOLVERS)


def _conflicts(result: Result) -> dict[tuple[str, str, str], int]:
    return {(c.kind, c.id, c.side): c.relaxed_by for c in result.conflicts}


def test_a_floor_no_fund_may_pay_for(solver: str) -> None:
    # Only F exists and it may not pay for AF: AF's floor of 50 is the one thing to relax.
    data = problem([cell("AF", min=50), cell("EAP", (None, 1.0))], [fund("F", 100, eligible={"region": ["EAP"]})])
    result = run(data, solver)
    assert result.status == "infeasible"
    assert result.objective is None
    assert result.allocations == ()
    assert _conflicts(result) == {("cell_min", "AF", "min"): 50}
    assert "No allocation satisfies every constraint." in result.messages


def test_a_rule_floor_beyond_what_the_funds_have(solver: str) -> None:
    # AF must get 150 but there is 100 in all, and available is never relaxed: relax the rule by 50.
    data = problem([cell("AF", (None, 1.0))], [fund("F", 100)], [{"id": "af", "label": "AF floor", "min": 150}])
    result = run(data, solver)
    assert _conflicts(result) == {("rule", "af", "min"): 50}
    assert result.conflicts[0].label == "AF floor"


def test_a_fund_that_must_spend_with_nowhere_to_go(solver: str) -> None:
    data = problem([cell("AF", (None, 1.0))], [fund("F", 10), fund("G", 40, "all", eligible={"region": ["X"]})])
    result = run(data, solver)
    assert _conflicts(result) == {("fund", "G", "spend_all"): 40}


def test_a_share_measured_in_dollars(solver: str) -> None:
    # Protection (at most 20) must be half of all; prosecution must get at least 60.
    # Relax the share: 20 - 0.5 * 80 = -20, so 20 dollars. Relaxing protection's cap instead
    # takes 40 (20 + c >= 0.5 * (80 + c)), and prosecution's floor 40 too: the share is least.
    cells = [cell("AF/protection", (None, 1.0), max=20), cell("AF/prosecution", (None, 1.0), min=60)]
    rules = [{"id": "half", "where": {"priority": ["protection"]}, "min_share": 0.5}]
    result = run(problem(cells, [fund("F", 100)], rules), solver)
    assert _conflicts(result) == {("rule", "half", "min_share"): 20}


def test_caps_that_two_floors_press_on(solver: str) -> None:
    # AF/x and AF/y (at most 10 each) must make 25 for each of two rules: raising the
    # caps by 5 in all meets both, where each dollar off the floors counts twice.
    cells = [cell("AF/x", (None, 1.0), max=10), cell("AF/y", (None, 1.0), max=10)]
    rules = [
        {"id": "af", "where": {"region": ["AF"]}, "min": 25},
        {"id": "xy", "where": {"priority": ["x", "y"]}, "min": 25},
    ]
    result = run(problem(cells, [fund("F", 100)], rules), solver)
    assert [(c.kind, c.id, c.relaxed_by) for c in result.conflicts] == [("cell_max", "AF/x", 5)]
    assert _relaxed(problem(cells, [fund("F", 100)], rules), result).status == "optimal"


def test_the_least_total_when_several_relaxations_tie(solver: str) -> None:
    # AF >= 90 and EAP >= 50 need 140 of the 120 that must (and can only) be spent:
    # 20 dollars of floors must give, from either or both. The total is what is unique.
    data = problem(
        [cell("AF", (None, 1.0), max=100), cell("EAP", (None, 2.0), min=50)],
        [fund("F", 120, "all")],
        [{"id": "af-floor", "where": {"region": ["AF"]}, "min": 90}],
    )
    result = run(data, solver)
    assert result.status == "infeasible"
    assert sum(c.relaxed_by for c in result.conflicts) == 20
    assert {c.kind for c in result.conflicts} <= {"rule", "cell_min"}
    assert any("by $20 in all" in message for message in result.messages)
    assert _relaxed(data, result).status == "optimal"


def test_ensure_optimal_raises_with_the_result(solver: str) -> None:
    result = run(problem([cell("AF", min=5)], [fund("F", 1)]), solver)
    with pytest.raises(Infeasible) as caught:
        result.ensure_optimal()
    assert caught.value.result is result
    assert "AF by $4" in str(caught.value)


def _relaxed(data: dict[str, Any], result: Result) -> Result:
    """The problem with each conflict's bound moved by its ``relaxed_by``, solved again."""
    relaxed = copy.deepcopy(data)
    for conflict in result.conflicts:
        if conflict.kind in ("cell_min", "cell_max"):
            target = next(c for c in relaxed["cells"] if "/".join(c["key"].values()) == conflict.id)
        else:
            target = next(r for r in relaxed["rules"] if r["id"] == conflict.id)
        sign = -1 if conflict.side == "min" else 1
        target[conflict.side] += sign * conflict.relaxed_by
    return run(relaxed)
