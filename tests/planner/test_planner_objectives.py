"""The two objectives on problems whose optimum is worked out by hand (in the comments),
and against brute-force enumeration on problems small enough to enumerate."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from planner_helpers import SOLVERS, amounts, cell, fund, problem, run, totals

from planner import parse_problem
from planner.allocation.problem import Cell


@pytest.mark.parametrize("solver", SOLVERS)
def test_the_contract_example(solver: str) -> None:
    # Marginal values, best first: AF/prot 3 (to 2M), EAP 2.5 (to 5M), AF/pros 2 (to 4M),
    # WHA 1.8 (to 10M), EAP 1.2 (to 20M), AF/prot 1 (to its max 9M): 2+5+4+10+15+7 = 43M.
    # The other 23M of the 66M (spend all) goes to AF/pros at 0.5: AF/pros = 27M.
    # Value: 6 + 12.5 + 8 + 18 + 18 + 7 + 11.5 = 81M. Protection: 29M of 66M = 44%, within 30-50%.
    cells = [
        cell("AF/protection", (2_000_000, 3.0), (None, 1.0), max=9_000_000),
        cell("EAP/protection", (5_000_000, 2.5), (20_000_000, 1.2), max=30_000_000),
        cell("AF/prosecution", (4_000_000, 2.0), (None, 0.5)),
        cell("WHA/prevention", (10_000_000, 1.8)),
    ]
    rules = [
        {"id": "af-floor", "where": {"region": ["AF"]}, "min": 8_000_000},
        {"id": "prot", "where": {"priority": ["protection"]}, "min_share": 0.3, "max_share": 0.5},
    ]
    result = run(problem(cells, [fund("INCLE", 66_000_000, "all")], rules), solver)
    assert result.objective == pytest.approx(81_000_000)
    assert totals(result) == {
        "AF/protection": 9_000_000,
        "EAP/protection": 20_000_000,
        "AF/prosecution": 27_000_000,
        "WHA/prevention": 10_000_000,
    }


@pytest.mark.parametrize("solver", SOLVERS)
def test_segments_fill_in_order_of_weight_across_cells(solver: str) -> None:
    # A: 5 to 10, 2 to 30, then 0.5. B: 3 to 20, then 1. With 60: A1 (10 at 5), B1 (20 at 3),
    # A2 (20 at 2), then B2 at 1 beats A3 at 0.5: the last 10 to B. A = 30, B = 30.
    # Value: 50 + 60 + 40 + 10 = 160.
    cells = [cell("A", (10, 5.0), (30, 2.0), (None, 0.5)), cell("B", (20, 3.0), (None, 1.0))]
    result = run(problem(cells, [fund("F", 60)]), solver)
    assert totals(result) == {"A": 30, "B": 30}
    assert result.objective == pytest.approx(160)


@pytest.mark.parametrize("solver", SOLVERS)
def test_two_funds_with_different_eligibility(solver: str) -> None:
    # F pays for A only, G for both. A earns 4 to 10 then 1; B earns 2.
    # F (15) goes to A: 10 at 4, 5 at 1. G (10) goes to B at 2 (better than A's 1).
    # Value: 40 + 5 + 20 = 65.
    cells = [cell("A", (10, 4.0), (None, 1.0)), cell("B", (None, 2.0))]
    funds = [fund("F", 15, eligible={"region": ["A"]}), fund("G", 10)]
    result = run(problem(cells, funds), solver)
    assert amounts(result) == {("A", "F"): 15, ("B", "G"): 10}
    assert result.objective == pytest.approx(65)


@pytest.mark.parametrize("solver", SOLVERS)
def test_targets_short_of_money_fall_short_where_it_costs_least(solver: str) -> None:
    # Targets 50 (penalty 2) and 30 (penalty 1) need 80; there are 60 (spend all).
    # Each dollar short costs 2 at A and 1 at B: B falls 20 short. Deviation: 20 * 1 = 20.
    cells = [cell("A", target=50, penalty=2), cell("B", target=30, penalty=1)]
    result = run(problem(cells, [fund("F", 60, "all")], objective="targets"), solver)
    assert totals(result) == {"A": 50, "B": 10}
    assert result.objective == pytest.approx(20)


@pytest.mark.parametrize("solver", SOLVERS)
def test_targets_with_money_to_spare_go_over_where_it_costs_least(solver: str) -> None:
    # Targets 10 (penalty 1) and 10 (penalty 3); 30 must be spent: 10 over, at A. Deviation 10.
    cells = [cell("A", target=10, penalty=1), cell("B", target=10, penalty=3)]
    result = run(problem(cells, [fund("F", 30, "all")], objective="targets"), solver)
    assert totals(result) == {"A": 20, "B": 10}
    assert result.objective == pytest.approx(10)


@pytest.mark.parametrize("solver", SOLVERS)
def test_targets_leave_money_that_would_only_add_deviation(solver: str) -> None:
    # A's target is 30; C has none. Up to 100 may be spent: exactly 30 is best, the rest stays.
    cells = [cell("A", target=30), cell("C")]
    result = run(problem(cells, [fund("F", 100)], objective="targets"), solver)
    assert totals(result) == {"A": 30, "C": 0}
    assert result.objective == pytest.approx(0)
    assert result.funds[0].unallocated == 70


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_cell_with_no_target_still_counts_its_deviation_when_unfundable(solver: str) -> None:
    # B has a target of 40 but no fund may pay for it: its deviation of 40 is in the objective.
    cells = [cell("A", target=10), cell("B", target=40)]
    funds = [fund("F", 10, eligible={"region": ["A"]})]
    result = run(problem(cells, funds, objective="targets"), solver)
    assert result.objective == pytest.approx(40)


@pytest.mark.parametrize("solver", SOLVERS)
def test_no_value_anywhere_spends_only_what_is_required(solver: str) -> None:
    cells = [cell("A", min=5), cell("B")]
    result = run(problem(cells, [fund("F", 50)]), solver)
    assert totals(result) == {"A": 5, "B": 0}
    assert result.objective == pytest.approx(0)


# Brute force: one fund, cells in disjoint groups with floors and caps, integer data.
# That structure is a network, so the LP optimum is at whole dollars and enumerating
# whole-dollar allocations finds it: an independent check of the model and the solver.


def _value(segments: tuple, amount: int) -> Decimal:
    total, start = Decimal(0), Decimal(0)
    for segment in segments:
        end = Decimal(amount) if segment.upto is None else min(Decimal(amount), segment.upto)
        if end > start:
            total += segment.weight * (end - start)
        if segment.upto is None or amount <= segment.upto:
            break
        start = segment.upto
    return total


def _best_by_enumeration(
    cells: tuple[Cell, ...], groups: list[list[int]], rules: list[dict], data: dict
) -> Decimal | None:
    available = data["funds"][0]["available"]
    spend_all = data["funds"][0]["spend"] == "all"
    best = None
    ranges = [range(int(c.min), int(c.max if c.max is not None else available) + 1) for c in cells]
    for allocation in itertools.product(*ranges):
        spent = sum(allocation)
        if spent > available or (spend_all and spent != available):
            continue
        if any(
            not (rule.get("min", 0) <= sum(allocation[i] for i in group) <= rule.get("max", available))
            for rule, group in zip(rules, groups, strict=True)
        ):
            continue
        value = sum((_value(c.value, a) for c, a in zip(cells, allocation, strict=True)), Decimal(0))
        best = value if best is None else max(best, value)
    return best


@st.composite
def _small_problems(draw: st.DrawFn) -> tuple[dict, list[list[int]], list[dict]]:
    count = draw(st.integers(2, 4))
    cells, group_of = [], []
    for i in range(count):
        group = draw(st.integers(0, 1))
        group_of.append(group)
        weights = sorted(draw(st.lists(st.integers(0, 6), min_size=1, max_size=3)), reverse=True)
        uptos = sorted(draw(st.sets(st.integers(1, 7), min_size=len(weights), max_size=len(weights))))
        segments = [(upto, w) for upto, w in zip(uptos, weights, strict=True)]
        if draw(st.booleans()):
            segments[-1] = (None, segments[-1][1])
        low = draw(st.integers(0, 2))
        high = draw(st.one_of(st.none(), st.integers(low, 6)))
        cells.append(cell(f"G{group}/c{i}", *segments, min=low, **({"max": high} if high is not None else {})))
    groups = [[i for i in range(count) if group_of[i] == g] for g in (0, 1)]
    rules, rule_groups = [], []
    for g, members in enumerate(groups):
        if members and draw(st.booleans()):
            bounds = {"min": draw(st.integers(0, 5))}
            if draw(st.booleans()):
                bounds["max"] = draw(st.integers(bounds["min"], 9))
            rules.append({"id": f"g{g}", "where": {"region": [f"G{g}"]}, **bounds})
            rule_groups.append(members)
    spend = draw(st.sampled_from(["all", "up_to"]))
    data = problem(cells, [fund("F", draw(st.integers(0, 10)), spend)], rules)
    return data, rule_groups, rules


@settings(max_examples=60, deadline=None)
@given(_small_problems())
def test_value_optimum_matches_enumeration(case: tuple[dict, list[list[int]], list[dict]]) -> None:
    data, groups, rules = case
    best = _best_by_enumeration(parse_problem(data).cells, groups, rules, data)
    result = run(data)
    if best is None:
        assert result.status == "infeasible"
    else:
        assert result.status == "optimal"
        assert result.objective == pytest.approx(float(best), abs=1e-6)
