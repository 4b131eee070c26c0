"""The model's parts: pieces, caps, groups, spreading a group's money, the scale."""

from __future__ import annotations

from decimal import Decimal

import pytest
from planner_helpers import cell, fund, problem, run, totals

from planner import parse_problem
from planner.allocation.grid import Grid
from planner.allocation.model import capped, choose_scale, spread, target_pieces, value_pieces

D = Decimal


def _cell(**fields: object):
    return parse_problem(problem([cell("A", **fields)], [fund("F", 1)])).cells[0]


def test_value_pieces_stop_at_zero_weight_and_end_with_an_unvalued_rest() -> None:
    data = problem([cell("A", (10, 3.0), (25, 1.0), (40, 0.0))], [fund("F", 1)])
    assert value_pieces(parse_problem(data).cells[0]) == ([(D(10), 3.0), (D(15), 1.0), (None, 0.0)], 0.0)
    open_ended = problem([cell("A", (10, 3.0), (None, 1.0))], [fund("F", 1)])
    assert value_pieces(parse_problem(open_ended).cells[0]) == ([(D(10), 3.0), (None, 1.0)], 0.0)


def test_target_pieces_cost_less_below_the_target_than_above() -> None:
    assert target_pieces(_cell(target=30, penalty=2)) == ([(D(30), -2.0), (None, 2.0)], 60.0)
    assert target_pieces(_cell()) == ([(None, 0.0)], 0.0)


@pytest.mark.parametrize(
    ("cap", "expected"),
    [
        (None, [(D(10), 3.0), (D(15), 1.0), (None, 0.0)]),
        (D(18), [(D(10), 3.0), (D(8), 1.0)]),  # inside a piece: that piece, cut
        (D(10), [(D(10), 3.0), (D(0), 1.0)]),  # on a breakpoint: the next piece, empty
        (D(0), [(D(0), 3.0)]),
        (D(60), [(D(10), 3.0), (D(15), 1.0), (D(35), 0.0)]),
    ],
)
def test_capped_pieces_end_with_the_piece_just_above_the_cap(cap: Decimal | None, expected: list) -> None:
    assert capped([(D(10), 3.0), (D(15), 1.0), (None, 0.0)], cap) == expected


def test_spread_gives_each_cell_its_need_and_each_fund_its_gift() -> None:
    needs, gifts = [5.0, 3.5, 2.0], [4.0, 6.5]
    shares = list(spread(needs, gifts))
    assert shares == [(0, 0, 4.0), (0, 1, 1.0), (1, 1, 3.5), (2, 1, 2.0)]
    for i, need in enumerate(needs):
        assert sum(a for c, _, a in shares if c == i) == pytest.approx(need)
    for j, gift in enumerate(gifts):
        assert sum(a for _, f, a in shares if f == j) == pytest.approx(gift)


def test_spread_ignores_float_dust() -> None:
    assert list(spread([1.0, 0.0], [1.0 + 1e-12])) == [(0, 0, 1.0)]


def test_groups_are_cells_the_constraints_cannot_tell_apart() -> None:
    cells = [cell("AF/x"), cell("AF/y"), cell("EAP/x"), cell("EAP/y"), cell("EUR/x", min=5), cell("EUR/y")]
    funds = [fund("F", 10), fund("G", 10, eligible={"priority": ["x"]})]
    rules = [{"id": "af", "where": {"region": ["AF"]}, "max": 5}]
    grid = Grid.of(parse_problem(problem(cells, funds, rules)))
    ids = [[grid.problem.cells[c].id for c in group.cells] for group in grid.groups]
    # AF is in a rule; x cells have fund G too; a floor keeps EUR/x alone.
    assert sorted(ids) == [["AF/x"], ["AF/y"], ["EAP/x"], ["EAP/y", "EUR/y"], ["EUR/x"]]
    funds_of = {tuple(i): group.funds for i, group in zip(ids, grid.groups, strict=True)}
    assert funds_of[("EAP/y", "EUR/y")] == (0,)
    assert funds_of[("EAP/x",)] == (0, 1)


def test_a_group_shares_its_money_by_its_cells_pieces() -> None:
    # Three cells alike to every constraint: one variable per fund in the solver, and
    # the money goes where the pieces are worth most: A (3 to 10), C (2 to 5), B (1).
    cells = [cell("A", (10, 3.0), (None, 0.5)), cell("B", (None, 1.0)), cell("C", (5, 2.0))]
    result = run(problem(cells, [fund("F", 20), fund("G", 5)]))
    assert totals(result) == {"A": 10, "B": 10, "C": 5}
    assert result.objective == pytest.approx(30 + 10 + 10)
    assert sum(a.amount for a in result.allocations if a.fund == "G") == 5


def test_the_scale_brings_amounts_to_about_ten_thousand() -> None:
    def scale(available: int) -> int:
        return choose_scale(parse_problem(problem([cell("A")], [fund("F", available)])))

    assert (scale(500), scale(66_000_000), scale(10**12)) == (1, 1_000, 10**8)
