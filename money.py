"""Money: integer cents at rest, Decimal in Python, strings at the edges.

One rounding rule (half up to the cent) lives here, and every conversion
between cents, Decimal and text goes through this module. No float, ever.

From a cost estimate to the status of funds: each estimated item is rounded to
the cent once (quantize), a request's lines hold exactly its total, and every
page shows an amount as held (format_dollars never rounds cents away), so what a
person reads for a request is its lines and the move in Committed. A total is
summed in cents and then formatted, never summed from formatted rows. The
planner solves in whole dollars; the cents a fund has beyond them go back on
its lines when an allocation is applied (services/allocation/runs.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

CENT = Decimal("0.01")

# Plain decimal dollars: optional sign, ASCII digits (re's \d would take any
# script's digits), at most two decimal places, at most $999 trillion.
# Deliberately rejects exponents ("1e3"), underscores ("1_000"), thousands
# separators and more than two places ("12.345").
_STRICT = re.compile(r"^-?[0-9]{1,15}(\.[0-9]{1,2})?$")
# What people type in a form: the same, optionally with a $ and grouped thousands.
_TYPED = re.compile(r"^-?\$?([0-9]{1,15}|[0-9]{1,3}(,[0-9]{3}){1,4})(\.[0-9]{1,2})?$")


class MoneyError(ValueError):
    """A value that is not an amount of money we accept."""


def quantize(amount: Decimal) -> Decimal:
    """The one rounding rule: half up, to the cent."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_money(text: str, *, allow_grouping: bool = False) -> Decimal:
    """Parse a strict decimal amount of dollars; raise MoneyError otherwise."""
    cleaned = text.strip()
    pattern = _TYPED if allow_grouping else _STRICT
    if not pattern.match(cleaned):
        raise MoneyError("Enter an amount in dollars with at most two decimal places, like 1234.50")
    cleaned = cleaned.replace("$", "").replace(",", "")
    try:
        return quantize(Decimal(cleaned))
    except InvalidOperation as exc:  # pragma: no cover - the pattern already guards this
        raise MoneyError("Not a number") from exc


def money_from_json(value: object) -> Decimal:
    """API input: a decimal string with up to two places, or an integer number of dollars."""
    if isinstance(value, bool):
        raise MoneyError('Expected a decimal string like "1234.50" or a whole number of dollars')
    if isinstance(value, int):
        if abs(value) >= 10**15:
            raise MoneyError("Amounts are limited to $999,999,999,999,999")
        return quantize(Decimal(value))
    if isinstance(value, str):
        return parse_money(value)
    raise MoneyError('Expected a decimal string like "1234.50" or a whole number of dollars')


def to_cents(amount: Decimal) -> int:
    return int(quantize(amount) * 100)


def from_cents(cents: int | Decimal | None) -> Decimal:
    return quantize(Decimal(cents or 0) / 100)


def money_str(cents: int | None) -> str:
    """The API's money format: a decimal string with two places."""
    return f"{from_cents(cents):.2f}"


def format_dollars(cents: int | Decimal | None) -> str:
    """Pages show an amount as held: $1,234,567, or $1,234.50 where it has cents (negative as -$1,234).

    Never rounded to the dollar: a trip of $3,323.50 must read the same on its page, on its
    committed line and in the status of funds, and a total must read as the sum of its rows.
    """
    amount = from_cents(cents)
    sign = "-" if amount < 0 else ""
    if amount == amount.to_integral_value():
        return f"{sign}${abs(int(amount)):,}"
    return f"{sign}${abs(amount):,.2f}"


def format_amount(text: str | None) -> str:
    """A decimal string from an estimate ("1036.5") as pages show exact amounts: $1,036.50."""
    if text in (None, ""):
        return "—"
    amount = parse_money(str(text))
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def largest_remainder(total: int, shares: Sequence[Fraction]) -> list[int]:
    """Whole units (cents, dollars) for each exact share, adding up to `total` (the shares must sum to it
    exactly): round every share down, then give the leftover units one each to the largest fractions, the
    earliest among equal fractions. The one rounding rule wherever an amount is split."""
    if sum(shares, Fraction(0)) != total:
        raise ValueError("the shares do not add up to the total")
    floors = [share.numerator // share.denominator for share in shares]
    leftover = total - sum(floors)
    by_fraction = sorted(range(len(shares)), key=lambda index: (-(shares[index] - floors[index]), index))
    for index in by_fraction[:leftover]:
        floors[index] += 1
    return floors
