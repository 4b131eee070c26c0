"""Binding constraints, shadow prices (same sign from both solvers) and the sentences."""

from __future__ import annotations

import pytest
from planner_helpers import SOLVERS, binding, cell, fund, problem, run

from planner import Result

pytestmark = pytest.mark.parametrize("solver", SOLVERS)


def _explanation(result: Result, kind: str, ident: str, side: str) -> str:
    return next(b.explanation for b in result.binding if (b.kind, b.id, b.side) == (kind, ident, side))


def test_a_region_floor_costs_value(solver: str) -> None:
    # AF earns 1, EAP 2.5; 100 must be spent; AF must get 40. Each extra dollar of the floor
    # moves a dollar from EAP to AF: 1 - 2.5 = -1.5.
    data = problem(
        [cell("AF", (None, 1.0)), cell("EAP", (None, 2.5))],
        [fund("F", 100, "all")],
        [{"id": "af-floor", "label": "Not less than $40 for Africa", "where": {"region": ["AF"]}, "min": 40}],
    )
    result = run(data, solver)
    prices = binding(result)
    assert prices[("rule", "af-floor", "min")] == pytest.approx(-1.5)
    assert prices[("fund", "F", "spend_all")] == pytest.approx(2.5)
    assert _explanation(result, "rule", "af-floor", "min") == "Raising this floor by $1 lowers the total value by 1.5."
    floor = next(b for b in result.binding if b.id == "af-floor")
    assert floor.label == "Not less than $40 for Africa"


def test_a_cell_floor_and_cap(solver: str) -> None:
    # A earns 3 up to its cap of 30; B earns 1 and must get 20; C earns 2. 100 to spend:
    # A 30, B 20, C 50. Cap: one more dollar to A instead of C: 3 - 2 = 1. Floor: B instead of C: -1.
    cells = [cell("A", (None, 3.0), max=30), cell("B", (None, 1.0), min=20), cell("C", (None, 2.0))]
    result = run(problem(cells, [fund("F", 100)]), solver)
    prices = binding(result)
    assert prices[("cell_max", "A", "max")] == pytest.approx(1.0)
    assert prices[("cell_min", "B", "min")] == pytest.approx(-1.0)
    assert prices[("fund", "F", "available")] == pytest.approx(2.0)
    assert _explanation(result, "cell_max", "A", "max") == "Raising this cap by $1 raises the total value by 1."
    assert _explanation(result, "fund", "F", "available") == "One more dollar in this fund raises the total value by 2."
    assert next(b.label for b in result.binding if b.kind == "cell_min") == "B: at least $20"


def test_a_share_is_priced_per_dollar_and_explained_per_point(solver: str) -> None:
    # Protection (1) must be 30% of 200 = 60; prosecution earns 2. One more dollar of the
    # share's bound moves a dollar from prosecution to protection: -1. A point is $2: -2.
    cells = [cell("AF/prosecution", (None, 2.0)), cell("AF/protection", (None, 1.0))]
    rules = [{"id": "prot", "where": {"priority": ["protection"]}, "min_share": 0.3}]
    result = run(problem(cells, [fund("F", 200)], rules), solver)
    assert binding(result)[("rule", "prot", "min_share")] == pytest.approx(-1.0)
    assert _explanation(result, "rule", "prot", "min_share") == (
        "Raising this minimum share by one percentage point (about $2) lowers the total value by 2."
    )


def test_targets_prices_are_in_deviation(solver: str) -> None:
    # A (target 50, penalty 2) and B (target 30, penalty 1) share 60: B falls 20 short.
    # One more dollar to spend goes to B and takes 1 off the deviation.
    cells = [cell("A", target=50, penalty=2), cell("B", target=30, penalty=1)]
    result = run(problem(cells, [fund("F", 60, "all")], objective="targets"), solver)
    assert binding(result)[("fund", "F", "spend_all")] == pytest.approx(-1.0)
    assert _explanation(result, "fund", "F", "spend_all") == (
        "Requiring this fund to spend $1 more brings the allocation $1 closer to its targets."
    )


def test_only_constraints_that_hold_with_equality_bind(solver: str) -> None:
    # The floor of 10 is met with room to spare (A takes 80), the cap of 90 is not reached.
    cells = [cell("A", (None, 2.0), min=10, max=90), cell("B", (None, 1.0))]
    rules = [{"id": "b-cap", "where": {"region": ["B"]}, "max": 50}]
    result = run(problem(cells, [fund("F", 80)], rules), solver)
    assert set(binding(result)) == {("fund", "F", "available")}


def test_a_binding_constraint_with_no_price_says_so(solver: str) -> None:
    # A is capped at 10 and nothing else wants money: the cap holds exactly, but one more
    # dollar of cap would go nowhere useful (A earns nothing past 10).
    result = run(problem([cell("A", (10, 1.0), max=10)], [fund("F", 50)]), solver)
    assert binding(result)[("cell_max", "A", "max")] == pytest.approx(0.0)
    assert _explanation(result, "cell_max", "A", "max") == (
        "It is met exactly but costs nothing: relaxing it would not improve the allocation."
    )


def test_money_left_because_cells_are_full(solver: str) -> None:
    result = run(problem([cell("A", (None, 1.0), max=30)], [fund("F", 100)]), solver)
    assert result.messages == (
        "$70 of F is left unallocated, because spending it would not improve the objective: "
        "1 eligible cell(s) are at their maximum.",
    )


def test_money_left_because_of_a_rule(solver: str) -> None:
    cells = [cell("EAP/x", (None, 1.0)), cell("EAP/y", (None, 1.0))]
    rules = [{"id": "eap-cap", "where": {"region": ["EAP"]}, "max": 40}]
    result = run(problem(cells, [fund("F", 100)], rules), solver)
    assert result.messages == (
        "$60 of F is left unallocated, because spending it would not improve the objective: "
        "rules eap-cap are at their limit.",
    )


def test_money_left_because_nothing_earns_more(solver: str) -> None:
    result = run(problem([cell("A", (10, 1.0)), cell("B")], [fund("F", 100)]), solver)
    assert result.messages == (
        "$90 of F is left unallocated, because spending it would not improve the objective: "
        "2 eligible cell(s) earn nothing more (past their last valued segment, or no value).",
    )
