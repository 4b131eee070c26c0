"""Money at the planner's edges: exact Decimal in and out, floats only inside the solver."""

from __future__ import annotations

from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal


def whole_dollars(amount: Decimal) -> int:
    """Round to the nearest whole dollar, halves to even (the one rounding rule here)."""
    return int(amount.to_integral_value(rounding=ROUND_HALF_EVEN))


def floor_dollars(amount: Decimal) -> int:
    return int(amount.to_integral_value(rounding=ROUND_FLOOR))


def dollars(amount: Decimal | int | float) -> str:
    """``$1,234,567`` (cents only when there are some: ``$1,234.50``)."""
    exact = Decimal(repr(amount)) if isinstance(amount, float) else amount
    whole = int(exact)
    if whole == exact:  # the common case, without Decimal arithmetic
        return f"-${-whole:,}" if whole < 0 else f"${whole:,}"
    sign = "-" if exact < 0 else ""
    return f"{sign}${abs(Decimal(exact)).quantize(Decimal('0.01')):,}"


def json_amount(amount: Decimal | int) -> int | float:
    """A JSON number: an int when whole, else a float (JSON has no decimal type)."""
    exact = Decimal(amount)
    if exact == exact.to_integral_value():
        return int(exact)
    return float(exact)
