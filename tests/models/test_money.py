"""Money parsing, rounding and formatting: strict, exact, never float."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from money import MoneyError, format_dollars, from_cents, money_from_json, money_str, parse_money, to_cents


@pytest.mark.parametrize(
    "text",
    [
        "12.345",
        "1e3",
        "1_000",
        "",
        "abc",
        "1.2.3",
        "NaN",
        "Infinity",
        "0x10",
        "12,34",
        "1,2345",
        "--5",
        "$",
        "1 000",
        "١٢٣",
    ],
)
def test_strict_parser_refuses(text):
    with pytest.raises(MoneyError):
        parse_money(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0", "0.00"), ("12", "12.00"), ("12.3", "12.30"), ("12.34", "12.34"), ("-5.01", "-5.01"), (" 7 ", "7.00")],
)
def test_strict_parser_accepts(text, expected):
    assert parse_money(text) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1,234.50", "1234.50"), ("$1,234", "1234.00"), ("$125,000.50", "125000.50"), ("1,000,000", "1000000.00")],
)
def test_form_parser_accepts_grouping(text, expected):
    assert parse_money(text, allow_grouping=True) == Decimal(expected)


@pytest.mark.parametrize("text", ["1,23", "12,3456", "1,000.123", "1e3", "1_000", "$$5"])
def test_form_parser_still_refuses(text):
    with pytest.raises(MoneyError):
        parse_money(text, allow_grouping=True)


@pytest.mark.parametrize("value", [12.5, 1e3, True, None, [1], {"a": 1}, "12.345", "1e3"])
def test_json_money_refuses_floats_and_junk(value):
    with pytest.raises(MoneyError):
        money_from_json(value)


def test_json_money_accepts_integers_and_strings():
    assert money_from_json(1234) == Decimal("1234.00")
    assert money_from_json("1234.50") == Decimal("1234.50")


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_cents_round_trip(cents):
    assert to_cents(from_cents(cents)) == cents
    assert parse_money(money_str(cents)) == from_cents(cents)


@pytest.mark.parametrize(
    ("cents", "shown"),
    [
        (0, "$0"),
        (123456700, "$1,234,567"),
        (123456789, "$1,234,567.89"),
        (332350, "$3,323.50"),
        (49, "$0.49"),
        (-150000, "-$1,500"),
        (-5, "-$0.05"),
        (None, "$0"),
    ],
)
def test_pages_show_an_amount_as_held(cents, shown):
    # Whole dollars read as $1,234,567; an amount with cents shows them, never rounded away.
    assert format_dollars(cents) == shown


def _shown_cents(text: str) -> int:
    """Read a page's amount back: '-$1,234.50' -> -123450."""
    return to_cents(parse_money(text.replace("$", ""), allow_grouping=True))


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_what_a_page_shows_is_what_is_held(cents):
    assert _shown_cents(format_dollars(cents)) == cents


@given(st.lists(st.integers(min_value=-(10**12), max_value=10**12), max_size=30))
def test_a_total_reads_as_the_sum_of_its_rows(rows):
    # Sum the cents, then format: the total a page shows is the sum of the rows it shows.
    assert _shown_cents(format_dollars(sum(rows))) == sum(_shown_cents(format_dollars(row)) for row in rows)
