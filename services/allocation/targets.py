"""The default allocation's targets: last year's plan, grown or cut to this year's money.

Each cell's target is last year's amount plus its share of the change in money
(this year's money to allocate less last year's total in the grid). When the money
grows, the growth is shared in proportion to last year's amount × the cell's weight;
when it shrinks, the cut is shared in proportion to last year's amount ÷ its weight,
so the priorities the office weighs more grow more and are cut less. A cut never takes
a cell below nothing: a cell it would empty is emptied and the rest of the cut is shared
among the others the same way (cells weighted 0 are cut first). With no last year at
all, the money follows the weights alone.

Exact fractions throughout, then whole dollars by largest remainder (ties to the cell
that comes first in the grid), so the targets add up to the money to the dollar.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

from money import largest_remainder


def spread_targets(last_year_cents: Sequence[int], weights: Sequence[Decimal], available: int) -> list[int]:
    """Whole-dollar targets, one per cell, adding up to ``available`` (whole dollars)."""
    if len(last_year_cents) != len(weights):
        raise ValueError("one weight per cell")
    if available < 0:
        raise ValueError("the money to allocate cannot be negative")
    if not last_year_cents:
        return []
    last = [Fraction(max(cents, 0), 100) for cents in last_year_cents]
    lean = [Fraction(max(weight, Decimal(0))) for weight in weights]
    total = sum(last)
    if total == 0:  # no last year: the weights alone (an even split if every weight is 0)
        shares = lean if sum(lean) else [Fraction(1)] * len(lean)
        exact = [available * share / sum(shares) for share in shares]
    elif available >= total:
        exact = _grow(last, lean, available - total)
    else:
        exact = _cut(last, lean, total - available)
    return largest_remainder(available, exact)


def _grow(last: list[Fraction], lean: list[Fraction], growth: Fraction) -> list[Fraction]:
    shares = [amount * weight for amount, weight in zip(last, lean, strict=True)]
    if not sum(shares):  # every cell with money last year is weighted 0: grow them as they were
        shares = list(last)
    whole = sum(shares)
    return [amount + growth * share / whole for amount, share in zip(last, shares, strict=True)]


def _cut(last: list[Fraction], lean: list[Fraction], cut: Fraction) -> list[Fraction]:
    exact = list(last)
    unweighted = [i for i, amount in enumerate(last) if amount and not lean[i]]
    if unweighted:  # weighted 0: cut first, in proportion to last year
        taken = min(cut, sum(last[i] for i in unweighted))
        whole = sum(last[i] for i in unweighted)
        for i in unweighted:
            exact[i] -= taken * last[i] / whole
        cut -= taken
    active = [i for i, amount in enumerate(last) if amount and lean[i]]
    while cut > 0 and active:
        whole = sum(last[i] / lean[i] for i in active)
        shares = {i: cut * (last[i] / lean[i]) / whole for i in active}
        emptied = [i for i in active if shares[i] >= exact[i]]
        if not emptied:
            for i in active:
                exact[i] -= shares[i]
            break
        for i in emptied:  # the cut would take more than the cell has: it ends at nothing
            cut -= exact[i]
            exact[i] = Fraction(0)
        active = [i for i in active if i not in emptied]
    return exact
