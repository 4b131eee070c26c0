"""Cells for the streamed (XlsxWriter constant_memory) sheets: text that stays text, exact money, styles.

Everything a writer puts in a cell goes through here, so the rules live once:
- text is stripped of characters XML 1.0 forbids and cut to Excel's cell limit;
- text is always written with write_string, never `write`, so it can never
  become a formula; text a spreadsheet could evaluate on editing (=, +, -, @,
  tab, an error code) also gets the quote-prefix style, so editing the cell
  keeps it text, and it reads back unchanged;
- money is a Decimal rounded to the cent and small enough that Excel's 15
  significant digits hold it exactly.

A cell is a `Cell` (kind, value, style), or a plain str for unstyled text that
needs no quoting (the common case, kept cheap), or an int, or None for no cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Literal, NamedTuple

from money import quantize

# Number formats (Excel codes).
# Amounts show their cents, as the pages do: a whole-dollar format showed a trip of $3,323.50 as
# 3,324 and a total as a dollar off the rows above it.
MONEY = "#,##0.00"
MONEY_CENTS = MONEY  # the Detail sheet's editable amounts
PERCENT = "0.0%"
FTE = "0.00"
DATE = "yyyy-mm-dd"
INTEGER = "0"

MAX_CELL_TEXT = 32_767  # Excel's limit, counted in UTF-16 code units
# Characters XML 1.0 forbids, lone surrogates (not encodable as UTF-8) and U+FFFE/U+FFFF.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_CHANGED_BY_CLEANING = re.compile("[\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]")  # _ILLEGAL and \r
# Leading characters that Excel, LibreOffice or a CSV import may treat as a formula
# (OWASP's list; a carriage return never gets here, see clean_text).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t")
ERROR_CODES = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"))
# The largest amount Excel stores to the cent: 15 significant digits.
MAX_EXACT_MONEY = Decimal("9999999999999.99")


@dataclass(frozen=True)
class Style:
    """A cell's look; `options` are XlsxWriter format properties (one Format per style per workbook)."""

    bold: bool = False
    italic: bool = False
    size: float | None = None
    color: str | None = None
    fill: str | None = None  # a solid background
    top_border: bool = False  # thin
    bottom_border: bool = False
    middle: bool = False  # vertically centred
    number_format: str | None = None
    quote_prefix: bool = False  # text that stays text when edited

    def options(self) -> dict[str, object]:
        chosen = {
            "bold": self.bold,
            "italic": self.italic,
            "font_size": self.size,
            "font_color": self.color,
            "bg_color": self.fill,
            "pattern": 1 if self.fill else None,
            "top": 1 if self.top_border else None,
            "bottom": 1 if self.bottom_border else None,
            "valign": "vcenter" if self.middle else None,
            "num_format": self.number_format,
            "quote_prefix": self.quote_prefix,
        }
        return {name: value for name, value in chosen.items() if value}


HEADER = Style(bold=True, fill="#D9E1F2", bottom_border=True, middle=True)
TITLE = Style(bold=True, size=13)
NOTE = Style(italic=True, color="#595959")
TOTAL = Style(bold=True, top_border=True)
QUOTED = Style(quote_prefix=True)
_DAY = Style(number_format=DATE)


class Cell(NamedTuple):
    kind: Literal["text", "number", "formula", "date"]
    value: str | Decimal | int | date
    style: Style | None = None


def clean_text(value: str) -> str:
    """User text as a cell can hold it: illegal characters removed, line breaks as \\n, cut to Excel's limit.

    XML parsers turn every \\r\\n and \\r into \\n, so storing \\n is what makes the text read back unchanged.
    """
    text = _ILLEGAL.sub("", value)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > MAX_CELL_TEXT // 2:  # only then can astral characters push it over the limit
        text = text.encode("utf-16-le")[: 2 * MAX_CELL_TEXT].decode("utf-16-le", errors="ignore")
    return text


def is_clean(text: str) -> bool:
    """Whether clean_text would leave `text` as it is; several texts joined by \\n are checked at once."""
    return len(text) <= MAX_CELL_TEXT // 2 and _CHANGED_BY_CLEANING.search(text) is None


def needs_quoting(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS) or text in ERROR_CODES


def text(value: str | None, style: Style | None = None) -> Cell | str | None:
    """A text cell that can never become a formula."""
    return None if value is None else text_cell(clean_text(value), style)


def text_cell(cleaned: str, style: Style | None = None) -> Cell | str | None:
    """`text` for text already cleaned; plain strings pass through as values, which is faster."""
    if not cleaned:
        return None  # an empty cell: it reads back as blank either way
    if needs_quoting(cleaned):
        return Cell("text", cleaned, replace(style or QUOTED, quote_prefix=True))
    return cleaned if style is None else Cell("text", cleaned, style)


def exact_money(amount: Decimal) -> Decimal:
    """The amount to the cent, or ValueError if Excel could not store it exactly."""
    if not amount.is_finite() or abs(amount) > MAX_EXACT_MONEY:
        raise ValueError(f"{amount} is not an amount Excel stores exactly to the cent (15 significant digits)")
    return quantize(amount)


def number(value: Decimal | int, style: Style) -> Cell:
    return Cell("number", value, style)


def money(amount: Decimal, style: Style) -> Cell:
    return number(exact_money(amount), style)


def day(value: date) -> Cell:
    return Cell("date", value, _DAY)


def formula(expression: str, style: Style) -> Cell:
    """A live formula; `expression` is ours (never user text) and starts with '='."""
    assert expression.startswith("=")
    return Cell("formula", expression, style)


def with_format(style: Style, number_format: str) -> Style:
    return replace(style, number_format=number_format)
