"""Whole dollars: largest remainder per fund, the repair swap, and the exact re-check."""

from __future__ import annotations

from decimal import Decimal

from planner_helpers import cell, fund, key, problem

from planner import parse_problem
from planner.allocation.constraints import all_constraints
from planner.allocation.grid import Grid
from planner.allocation.rounding import remainder_home, round_to_dollars


def _round(data: dict, solved: dict[tuple[str, str], float]) -> tuple[dict[tuple[str, str], int], list, Grid]:
    """Round ``solved`` amounts (by cell id and fund id) as the planner would."""
    grid = Grid.of(parse_problem(data))
    cells, funds = grid.problem.cells, grid.problem.funds
    ids = [(cells[pair.cell].id, funds[pair.fund].id) for pair in grid.pairs]
    values = [solved.get(pair_id, 0.0) for pair_id in ids]
    amounts, breaches = round_to_dollars(grid, all_constraints(grid), values)
    return dict(zip(ids, amounts, strict=True)), breaches, grid


def test_largest_remainders_take_the_ceiling_and_the_fund_total_is_exact() -> None:
    # 3.3 + 3.3 + 3.4 = 10: floors make 9, and the one dollar left goes to the largest remainder.
    data = problem([cell("A"), cell("B"), cell("C")], [fund("F", 10, "all")])
    amounts, breaches, _ = _round(data, {("A", "F"): 3.3, ("B", "F"): 3.3, ("C", "F"): 3.4})
    assert amounts == {("A", "F"): 3, ("B", "F"): 3, ("C", "F"): 4}
    assert breaches == []


def test_solver_noise_next_to_a_whole_dollar_is_that_dollar() -> None:
    data = problem([cell("A"), cell("B")], [fund("F", 10, "all")])
    amounts, _, _ = _round(data, {("A", "F"): 6.99999999, ("B", "F"): 3.00000001})
    assert amounts == {("A", "F"): 7, ("B", "F"): 3}


def test_an_up_to_fund_never_rounds_past_what_it_has() -> None:
    # 4.6 + 5.2 = 9.8 rounds to 10, but only 9.8 is available: the total is 9.
    data = problem([cell("A"), cell("B")], [fund("F", 9.8)])
    amounts, _, _ = _round(data, {("A", "F"): 4.6, ("B", "F"): 5.2})
    assert sum(amounts.values()) == 9
    assert amounts == {("A", "F"): 4, ("B", "F"): 5}


def test_a_swap_within_a_fund_repairs_a_broken_cap() -> None:
    # A (max 10) gets 3.5 from F, 3.5 from G and 3 from H. F's remainders tie between A and B
    # and G's between A and C; both go to A first (A comes first): A = 4 + 4 + 3 = 11 > 10.
    # Swapping F's extra dollar from A to B keeps F's total and brings A back to 10.
    cells = [cell("A", max=10), cell("B"), cell("C")]
    funds = [
        fund("F", 5, "all", eligible={"region": ["A", "B"]}),
        fund("G", 6, "all", eligible={"region": ["A", "C"]}),
        fund("H", 3, "all", eligible={"region": ["A"]}),
    ]
    solved = {("A", "F"): 3.5, ("B", "F"): 1.5, ("A", "G"): 3.5, ("C", "G"): 2.5, ("A", "H"): 3.0}
    amounts, breaches, _ = _round(problem(cells, funds), solved)
    assert breaches == []
    assert sum(v for (c, _), v in amounts.items() if c == "A") == 10
    assert {f: sum(v for (_, g), v in amounts.items() if g == f) for f in "FGH"} == {"F": 5, "G": 6, "H": 3}
    assert all(abs(amounts[pair] - value) < 1 for pair, value in solved.items())


def test_what_cannot_be_repaired_is_reported_exactly() -> None:
    # A share of exactly one third of 10 dollars cannot be met in whole dollars either way.
    cells = [cell("A/x"), cell("A/y")]
    rules = [{"id": "third", "where": {"priority": ["x"]}, "min_share": 0.3334, "max_share": 0.3334}]
    data = problem(cells, [fund("F", 10, "all")], rules)
    amounts, breaches, _ = _round(data, {("A/x", "F"): 3.334, ("A/y", "F"): 6.666})
    assert sum(amounts.values()) == 10
    assert breaches
    (breach,) = breaches
    assert breach.constraint.id == "third"
    assert breach.off == abs(Decimal(amounts[("A/x", "F")]) - Decimal("0.3334") * 10)


def test_a_funds_cents_go_to_its_largest_allocation_that_breaks_no_rule() -> None:
    # Solved in whole dollars, the fund had $300.59: the 59 cents must land somewhere.
    data = problem([cell("AF", max=200), cell("EAP")], [fund("F", 300, "all")])
    at_cap = [(key("AF"), "F", Decimal(200)), (key("EAP"), "F", Decimal(100))]
    assert remainder_home(parse_problem(data), at_cap, "F", Decimal("0.59")) == 1  # AF's cap is met
    below_cap = [(key("EAP"), "F", Decimal(120)), (key("AF"), "F", Decimal(180))]
    assert remainder_home(parse_problem(data), below_cap, "F", Decimal("0.59")) == 1  # the largest


def test_cents_that_no_allocation_can_take_stay_unallocated() -> None:
    data = problem([cell("AF", max=200)], [fund("F", 300, "all")])
    assert remainder_home(parse_problem(data), [(key("AF"), "F", Decimal(200))], "F", Decimal("0.59")) is None
