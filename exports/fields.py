"""One Detail cell read back: the value for its ImportedRow field, or a message saying what is wrong.

openpyxl hands over what the file holds: int or float for numbers, str, bool,
datetime for date-formatted numbers, "=..." for formulas (data type "f") and
error codes (data type "e"). A float's repr is the shortest decimal that maps
to it, which is the number as typed for anything up to 15 significant digits,
all Excel keeps; so amounts come back as exact Decimals, never via float maths.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from exports.cells import MAX_EXACT_MONEY
from exports.detail import DetailColumn, Kind
from money import CENT, MoneyError, parse_money, quantize

FIRST_YEAR, LAST_YEAR = 2000, 2100
_DATES = (datetime, date, time, timedelta)
_HIDDEN = "leave the hidden Line id and Version columns as exported (both empty for a new line)."


class BadCell(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def shorten(value: object, limit: int = 40) -> str:
    """A value quoted in a message: printable and short."""
    shown = "".join(ch if ch.isprintable() else " " for ch in str(value))
    return f"“{shown[:limit]}…”" if len(shown) > limit else f"“{shown}”"


def is_blank(column: DetailColumn, value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value == "" if column.kind is Kind.TEXT else not value.strip()
    return False


def read_cell(column: DetailColumn, value: Any, data_type: str, max_text: int) -> Any:
    """The field value (None when blank and optional); raises BadCell."""
    if data_type == "f":
        raise BadCell(f"A formula ({shorten(value)}) where a value must be: type the value itself.")
    if data_type == "e":
        raise BadCell(f"The cell shows the error {shorten(value)}: type a value.")
    if is_blank(column, value):
        if column.required:
            raise BadCell(f"{column.header} is required.")
        return "" if column.kind is Kind.TEXT else None
    if isinstance(value, bool):
        raise BadCell(f"{shorten(value)} is TRUE/FALSE; {column.header} needs {_WANTED[column.kind]}.")
    if isinstance(value, _DATES):
        raise BadCell(f"A date where {column.header} needs {_WANTED[column.kind]}: check the cell's format.")
    return _READERS[column.kind](column, value, max_text)


def _whole(column: DetailColumn, value: int | float | str) -> int:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    digits = value.strip() if isinstance(value, str) else ""
    if digits.isascii() and digits.isdigit() and len(digits) <= 19:  # int() refuses 4,300+ digits: stop long before
        return int(digits)
    if isinstance(value, int):
        return value
    raise BadCell(f"{shorten(value)} is not a whole number; {column.header} needs {_WANTED[column.kind]}.")


def _read_id(column: DetailColumn, value: int | float | str, _: int) -> int:
    number = _whole(column, value)
    if not 1 <= number < 2**63:
        raise BadCell(f"{column.header} {number} is not one Apportion wrote: {_HIDDEN}")
    return number


def _read_year(column: DetailColumn, value: int | float | str, _: int) -> int:
    year = _whole(column, value)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise BadCell(f"{year} is not a fiscal year: enter one like 2027.")
    return year


def _as_text(value: int | float | str) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def _capped(column: DetailColumn, text: str, max_text: int) -> str:
    if len(text) > max_text:
        raise BadCell(f"{column.header} is {len(text):,} characters long; the limit is {max_text:,}.")
    return text


def _read_code(column: DetailColumn, value: int | float | str, max_text: int) -> str:
    return _capped(column, _as_text(value).strip(), max_text)


def _read_object_class(column: DetailColumn, value: int | float | str, max_text: int) -> str:
    if isinstance(value, int | float) and math.isfinite(value):
        # Excel turned "41.0" into 41: object class codes have one decimal
        return _capped(column, f"{Decimal(repr(value)):.1f}", max_text)
    return _read_code(column, value, max_text)


# How a cell's "_x" is escaped where it would read as a character (_x0041_ is "A"): openpyxl undoes it in
# the shared strings an edited file holds, not in the inline strings our export writes, so it is undone here.
EXCEL_ESCAPE = "x005F_"


def _read_text(column: DetailColumn, value: int | float | str, max_text: int) -> str:
    return _capped(column, _as_text(value).replace(EXCEL_ESCAPE, ""), max_text)


def _read_money(column: DetailColumn, value: int | float | str, _: int) -> Decimal:
    if isinstance(value, str):
        try:
            amount = parse_money(value)
        except MoneyError:
            raise BadCell(
                f"{shorten(value)} is not an amount: enter dollars with at most two decimals, like 1234.50."
            ) from None
    elif isinstance(value, int | float) and math.isfinite(value):
        amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    else:
        raise BadCell(f"{shorten(value)} is not an amount of dollars.")
    if amount < 0:
        raise BadCell(f"{column.header} cannot be negative ({amount}).")
    if amount > MAX_EXACT_MONEY:
        raise BadCell(f"{column.header} {amount:,} is more than ${MAX_EXACT_MONEY:,}.")
    if amount != amount.quantize(CENT):
        raise BadCell(f"{column.header} {amount} has more than two decimal places: round it to the cent.")
    return quantize(amount)


# The quick reading: the common cells of a good row, read without the checks that cannot apply to them.
# A reader answers FULL_CHECK for anything else, and read_cell then reads that row and says what is wrong;
# neither may accept what the other refuses. The caller has already set formulas and errors aside.
FULL_CHECK: Any = object()
QuickReader = Callable[[Any, int], Any]


def quick_reader(column: DetailColumn) -> QuickReader:
    """(value, max_text) → the field, as read_cell would return it, or FULL_CHECK."""
    empty = FULL_CHECK if column.required else ("" if column.kind is Kind.TEXT else None)
    if column.kind in (Kind.ID, Kind.YEAR):
        low, high = (1, 2**63 - 1) if column.kind is Kind.ID else (FIRST_YEAR, LAST_YEAR)

        def whole(value: Any, _: int) -> Any:
            if type(value) is int:  # not bool, which read_cell refuses
                return value if low <= value <= high else FULL_CHECK
            return empty if value is None else FULL_CHECK

        return whole
    if column.kind in (Kind.CODE, Kind.OBJECT_CLASS):

        def code(value: Any, max_text: int) -> Any:
            if type(value) is str:
                text = value.strip()
                if not text:
                    return empty
                return text if len(text) <= max_text else FULL_CHECK
            return empty if value is None else FULL_CHECK

        return code
    if column.kind is Kind.TEXT:

        def text(value: Any, max_text: int) -> Any:
            if type(value) is str:
                if not value:
                    return empty
                return value if len(value) <= max_text and EXCEL_ESCAPE not in value else FULL_CHECK
            return empty if value is None else FULL_CHECK

        return text
    if column.kind is Kind.MONEY:

        def money(value: Any, _: int) -> Any:
            if type(value) is float or type(value) is int:
                try:
                    return _read_money(column, value, 0)
                except BadCell:
                    return FULL_CHECK
            return empty if value is None else FULL_CHECK

        return money
    raise ValueError(f"{column.header} is not read from the file")


_READERS: dict[Kind, Callable[[DetailColumn, Any, int], Any]] = {
    Kind.ID: _read_id,
    Kind.YEAR: _read_year,
    Kind.CODE: _read_code,
    Kind.OBJECT_CLASS: _read_object_class,
    Kind.TEXT: _read_text,
    Kind.MONEY: _read_money,
}
_WANTED = {
    Kind.ID: "the whole number Apportion exported",
    Kind.YEAR: "a year like 2027",
    Kind.CODE: "a code as text",
    Kind.OBJECT_CLASS: "an object class code like 41.0",
    Kind.TEXT: "text",
    Kind.MONEY: "an amount of dollars",
    Kind.INFO: "nothing",
}
