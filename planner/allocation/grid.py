"""The decision variables: one per (cell, eligible fund) pair, indexed every way we need.

Filters (a fund's ``eligible``, a rule's ``where``) are answered from an index of cells
by dimension value, so a rule costs a few set operations rather than a scan of all cells.

Cells that no constraint tells apart (the same eligible funds, the same rules, no floor
of their own) form a group: the solver sees one variable per (group, fund), and the
group's cells share its money by their value pieces. See model.py.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from itertools import chain
from typing import NamedTuple

from planner.allocation.problem import Filter, Problem, Rule


class Pair(NamedTuple):
    """What fund ``fund`` (an index into problem.funds) gives cell ``cell``."""

    cell: int
    fund: int


class Total(NamedTuple):
    """A named sum of pairs: a fund's, a cell's, what a rule matches. Rows share them."""

    name: str
    pairs: tuple[int, ...]

    def of(self, amounts: Sequence[float]) -> float:
        return sum(map(amounts.__getitem__, self.pairs))


class RuleTotals(NamedTuple):
    matching: Total  # the pairs the rule's ``where`` selects
    base: Total  # the pairs of the funds its shares are measured against


class Group(NamedTuple):
    """Cells every constraint treats alike, and the funds eligible for all of them."""

    cells: tuple[int, ...]
    funds: tuple[int, ...]


class Grid(NamedTuple):
    problem: Problem
    pairs: tuple[Pair, ...]
    cells: tuple[Total, ...]  # each cell's pairs, in fund order
    funds: tuple[Total, ...]  # each fund's pairs
    rules: tuple[RuleTotals, ...]
    groups: tuple[Group, ...]  # every cell with an eligible fund is in exactly one

    @classmethod
    def of(cls, problem: Problem) -> Grid:
        index = _CellIndex(problem)
        eligible = [(f, index.matching(fund.eligible)) for f, fund in enumerate(problem.funds)]
        # One pass makes the pairs, each cell's pairs and funds, and each fund's pairs.
        pairs: list[Pair] = []
        by_cell: list[tuple[int, ...]] = []
        funds_of: list[tuple[int, ...]] = []  # each cell's eligible funds, in order
        by_fund: list[list[int]] = [[] for _ in problem.funds]
        for c in range(len(problem.cells)):
            own: list[int] = []
            for f, accepted in eligible:
                if c in accepted:
                    own.append(f)
                    by_fund[f].append(len(pairs))
                    pairs.append(Pair(c, f))
            end = len(pairs)
            by_cell.append(tuple(range(end - len(own), end)))
            funds_of.append(tuple(own))
        cells = tuple(Total(f"cell_{c}", ps) for c, ps in enumerate(by_cell))
        funds = tuple(Total(f"fund_{f}", tuple(ps)) for f, ps in enumerate(by_fund))
        matched = [index.matching(rule.where) for rule in problem.rules]
        bases: dict[tuple[bool, ...], Total] = {}  # rules over the same funds share one base
        rules = tuple(
            _rule_totals(r, rule, problem, matched[r], pairs, cells, bases) for r, rule in enumerate(problem.rules)
        )
        groups = _groups(problem, funds_of, matched)
        return cls(problem, tuple(pairs), cells, funds, rules, groups)


class _CellIndex:
    """Cells by dimension value: ``index[(dimension, value)]`` is a set of cell indices."""

    def __init__(self, problem: Problem) -> None:
        self.everything = set(range(len(problem.cells)))
        index: dict[tuple[str, str], set[int]] = defaultdict(set)
        for c, cell in enumerate(problem.cells):
            for item in cell.key:  # the key's own (dimension, value) pairs: no tuple to make
                index[item].add(c)
        self.index = index

    def matching(self, where: Filter) -> set[int]:
        """Cells whose value is accepted for every dimension the filter names."""
        found = self.everything
        nothing: set[int] = set()
        for dimension, accepted in where:
            found = found & set().union(*(self.index.get((dimension, value), nothing) for value in accepted))
        return found


def _rule_totals(
    r: int,
    rule: Rule,
    problem: Problem,
    cells_matched: set[int],
    pairs: Sequence[Pair],
    cells: Sequence[Total],
    bases: dict[tuple[bool, ...], Total],
) -> RuleTotals:
    counted = tuple(rule.funds is None or fund.id in rule.funds for fund in problem.funds)
    every = all(counted)
    in_order = sorted(cells_matched)
    if every:  # most rules count every fund: all the matched cells' pairs
        matching = tuple(chain.from_iterable(cells[c].pairs for c in in_order))
    else:
        matching = tuple(p for c in in_order for p in cells[c].pairs if counted[pairs[p].fund])
    if counted not in bases:
        name = "funds_all" if every else "funds_" + "_".join(str(f) for f, ok in enumerate(counted) if ok)
        chosen = range(len(pairs)) if every else (p for p, pair in enumerate(pairs) if counted[pair.fund])
        bases[counted] = Total(name, tuple(chosen))
    return RuleTotals(Total(f"rule_{r}", matching), bases[counted])


def _groups(problem: Problem, funds_of: Sequence[tuple[int, ...]], matched: Sequence[set[int]]) -> tuple[Group, ...]:
    """Cells by what the constraints see of them: their funds and rules. A cell with a
    floor keeps a group of its own, as its floor is a row of its own."""
    rules_of: list[list[int]] = [[] for _ in problem.cells]  # each cell's rules, in order
    for r, cells_matched in enumerate(matched):
        for c in cells_matched:
            rules_of[c].append(r)
    members: dict[tuple, list[int]] = defaultdict(list)
    for c, cell in enumerate(problem.cells):
        funds = funds_of[c]
        if funds:
            members[(funds, tuple(rules_of[c]), c if cell.min > 0 else None)].append(c)
    return tuple(Group(tuple(group), signature[0]) for signature, group in members.items())
