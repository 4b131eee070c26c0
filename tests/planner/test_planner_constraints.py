"""Each kind of constraint alone, on problems small enough to solve by hand.

Every test runs on both solvers: the answers must not depend on which one ran.
"""

from __future__ import annotations

import pytest
from planner_helpers import SOLVERS, amounts, cell, fund, problem, run, totals

pytestmark = pytest.mark.parametrize("solver", SOLVERS)


def test_a_fund_gives_no_more_than_it_has(solver: str) -> None:
    # One cell earning 1 per dollar without end: it takes all 100 the fund has, no more.
    result = run(problem([cell("AF", (None, 1.0))], [fund("F", 100)]), solver)
    assert result.status == "optimal"
    assert amounts(result) == {("AF", "F"): 100}
    assert result.objective == pytest.approx(100)


def test_up_to_leaves_money_that_earns_nothing(solver: str) -> None:
    # Value stops at 60: the other 40 earns nothing anywhere, so it stays unallocated.
    result = run(problem([cell("AF", (60, 1.0))], [fund("F", 100)]), solver)
    assert amounts(result) == {("AF", "F"): 60}
    (money,) = result.funds
    assert (money.allocated, money.unallocated) == (60, 40)
    assert any(m.startswith("$40 of F is left unallocated") for m in result.messages)


def test_spend_all_spends_everything_even_for_nothing(solver: str) -> None:
    # The same cell, but the fund must be spent in full: 60 earns 60, the other 40 nothing.
    result = run(problem([cell("AF", (60, 1.0))], [fund("F", 100, "all")]), solver)
    assert amounts(result) == {("AF", "F"): 100}
    assert result.objective == pytest.approx(60)


def test_eligible_limits_which_cells_a_fund_pays_for(solver: str) -> None:
    # F may only pay for EAP, which earns less than AF: F still goes to EAP; G (any cell) goes to AF.
    cells = [cell("AF", (None, 3.0)), cell("EAP", (None, 1.0))]
    funds = [fund("F", 50, eligible={"region": ["EAP"]}), fund("G", 20)]
    result = run(problem(cells, funds), solver)
    assert amounts(result) == {("EAP", "F"): 50, ("AF", "G"): 20}
    assert result.objective == pytest.approx(3 * 20 + 50)


def test_a_cell_floor(solver: str) -> None:
    # EAP earns less but must get at least 30 of the 100: AF gets the other 70.
    cells = [cell("AF", (None, 2.0)), cell("EAP", (None, 1.0), min=30)]
    result = run(problem(cells, [fund("F", 100)]), solver)
    assert totals(result) == {"AF": 70, "EAP": 30}
    assert result.objective == pytest.approx(2 * 70 + 30)


def test_a_cell_cap(solver: str) -> None:
    # AF would take everything but stops at its max of 25; EAP takes the rest.
    cells = [cell("AF", (None, 2.0), max=25), cell("EAP", (None, 1.0))]
    result = run(problem(cells, [fund("F", 100)]), solver)
    assert totals(result) == {"AF": 25, "EAP": 75}


def test_a_cell_cap_of_zero(solver: str) -> None:
    cells = [cell("AF", (None, 2.0), max=0), cell("EAP", (None, 1.0))]
    result = run(problem(cells, [fund("F", 100)]), solver)
    assert totals(result) == {"AF": 0, "EAP": 100}


def test_a_rule_floor_over_several_cells(solver: str) -> None:
    # AF/x and AF/y earn 1 and 0.5; EAP earns 2. The AF floor of 40 goes to AF/x (the better AF cell).
    cells = [cell("AF/x", (None, 1.0)), cell("AF/y", (None, 0.5)), cell("EAP/x", (None, 2.0))]
    rules = [{"id": "af-floor", "where": {"region": ["AF"]}, "min": 40}]
    result = run(problem(cells, [fund("F", 100)], rules), solver)
    assert totals(result) == {"AF/x": 40, "AF/y": 0, "EAP/x": 60}
    assert result.objective == pytest.approx(40 + 2 * 60)


def test_a_rule_cap(solver: str) -> None:
    # EAP cells would take everything; the rule caps them at 30 together.
    cells = [cell("EAP/x", (None, 3.0)), cell("EAP/y", (None, 2.0)), cell("AF/x", (None, 1.0))]
    rules = [{"id": "eap-cap", "where": {"region": ["EAP"]}, "max": 30}]
    result = run(problem(cells, [fund("F", 100)], rules), solver)
    assert totals(result) == {"EAP/x": 30, "EAP/y": 0, "AF/x": 70}


def test_a_rule_counts_only_the_funds_it_names(solver: str) -> None:
    # The cap of 10 on AF applies to money from F only; G may still pay AF.
    cells = [cell("AF", (None, 2.0)), cell("EAP", (None, 1.0))]
    funds = [fund("F", 50), fund("G", 50)]
    rules = [{"id": "af-f", "where": {"region": ["AF"], "fund": ["F"]}, "max": 10}]
    result = run(problem(cells, funds, rules), solver)
    assert amounts(result) == {("AF", "F"): 10, ("EAP", "F"): 40, ("AF", "G"): 50}


def test_a_minimum_share(solver: str) -> None:
    # Protection earns less, but must be at least 30% of the 200 allocated: 60.
    cells = [cell("AF/prosecution", (None, 2.0)), cell("AF/protection", (None, 1.0))]
    rules = [{"id": "prot", "where": {"priority": ["protection"]}, "min_share": 0.3}]
    result = run(problem(cells, [fund("F", 200)], rules), solver)
    assert totals(result) == {"AF/prosecution": 140, "AF/protection": 60}


def test_a_maximum_share_of_one_fund(solver: str) -> None:
    # Prosecution may be at most 25% of F's money (F: 80, so 20); G is not counted.
    cells = [cell("AF/prosecution", (None, 2.0)), cell("AF/protection", (None, 1.0))]
    funds = [fund("F", 80), fund("G", 40, eligible={"priority": ["protection"]})]
    rules = [{"id": "pros", "where": {"priority": ["prosecution"], "fund": ["F"]}, "max_share": 0.25}]
    result = run(problem(cells, funds, rules), solver)
    assert amounts(result) == {("AF/prosecution", "F"): 20, ("AF/protection", "F"): 60, ("AF/protection", "G"): 40}


def test_a_maximum_share_can_leave_money_unallocated(solver: str) -> None:
    # Only prosecution earns anything, and it may be at most half of what is allocated:
    # so 50 to prosecution and 50 to protection (which earns nothing) beats 0 and 0.
    # Hand: value = 2 * pros, pros <= 0.5 * (pros + prot), pros + prot <= 100 -> pros = 50.
    cells = [cell("AF/prosecution", (None, 2.0)), cell("AF/protection")]
    rules = [{"id": "pros", "where": {"priority": ["prosecution"]}, "max_share": 0.5}]
    result = run(problem(cells, [fund("F", 100)], rules), solver)
    assert totals(result) == {"AF/prosecution": 50, "AF/protection": 50}
    assert result.objective == pytest.approx(100)


def test_a_rule_matching_nothing_is_noted(solver: str) -> None:
    rules = [{"id": "typo", "where": {"region": ["AFR"]}, "max": 10}]
    result = run(problem([cell("AF", (None, 1.0))], [fund("F", 10)], rules), solver)
    assert result.status == "optimal"
    assert "Rule typo matches no (cell, fund) pair; check its where." in result.messages


def test_a_fund_eligible_for_nothing_is_noted(solver: str) -> None:
    funds = [fund("F", 10), fund("G", 10, eligible={"region": ["WHA"]})]
    result = run(problem([cell("AF", (None, 1.0))], funds), solver)
    assert "Fund G is eligible for no cell." in result.messages
    assert any(m.startswith("$10 of G is left unallocated: no cell is eligible for it") for m in result.messages)
