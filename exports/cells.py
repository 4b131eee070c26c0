"""Cells for write-only sheets: user text that stays text, money that stays exact, styled headers and totals.

Everything a writer puts in a cell goes through here, so the rules live once:
- text is stripped of characters XML 1.0 forbids and cut to Excel's cell limit;
- text a spreadsheet could evaluate (=, +, -, @, tab, CR, an error code) is
  stored as a string cell with the quotePrefix style, so neither opening nor
  editing the cell turns it into a formula, and it reads back unchanged;
- money is a Decimal rounded to the cent and small enough that Excel's 15
  significant digits hold it exactly (openpyxl writes numbers with "%.16g").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

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
# Beyond what openpyxl's ILLEGAL_CHARACTERS_RE catches: lone surrogates cannot
# be encoded as UTF-8 at all, and U+FFFE/U+FFFF are not XML characters.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Leading characters that Excel, LibreOffice or a CSV import may treat as a formula
# (OWASP's list; a carriage return never gets here, see clean_text).
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t")
# The largest amount Excel stores to the cent: 15 significant digits.
MAX_EXACT_MONEY = Decimal("9999999999999.99")


@dataclass(frozen=True)
class Style:
    """A cell's look, applied to write-only cells (which must be styled one by one)."""

    font: Font | None = None
    fill: PatternFill | None = None
    border: Border | None = None
    alignment: Alignment | None = None
    number_format: str | None = None


HEADER = Style(
    font=Font(bold=True),
    fill=PatternFill("solid", fgColor="D9E1F2"),
    border=Border(bottom=Side(style="thin")),
    alignment=Alignment(vertical="center"),
)
TITLE = Style(font=Font(bold=True, size=13))
NOTE = Style(font=Font(italic=True, color="595959"))
TOTAL = Style(font=Font(bold=True), border=Border(top=Side(style="thin")))
_DAY = Style(number_format=DATE)


def clean_text(value: str) -> str:
    """User text as a cell can hold it: illegal characters removed, line breaks as \\n, cut to Excel's limit.

    XML parsers turn every \\r\\n and \\r into \\n, so storing \\n is what makes the text read back unchanged.
    """
    text = _ILLEGAL.sub("", value).replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > MAX_CELL_TEXT // 2:  # only then can astral characters push it over the limit
        text = text.encode("utf-16-le")[: 2 * MAX_CELL_TEXT].decode("utf-16-le", errors="ignore")
    return text


def needs_quoting(text: str) -> bool:
    return text.startswith(_FORMULA_TRIGGERS) or text in ERROR_CODES


def styled(cell: Cell, style: Style) -> Cell:
    if style.font:
        cell.font = style.font
    if style.fill:
        cell.fill = style.fill
    if style.border:
        cell.border = style.border
    if style.alignment:
        cell.alignment = style.alignment
    if style.number_format:
        cell.number_format = style.number_format
    return cell


def text(ws: WriteOnlyWorksheet, value: str | None, style: Style | None = None) -> Cell | str | None:
    """A text cell that can never become a formula."""
    return None if value is None else text_cell(ws, clean_text(value), style)


def text_cell(ws: WriteOnlyWorksheet, cleaned: str, style: Style | None = None) -> Cell | str | None:
    """`text` for text already cleaned; plain strings pass through as values, which is faster."""
    if not cleaned:
        return None  # an empty cell: it reads back as blank either way
    if style is None and not needs_quoting(cleaned):
        return cleaned  # openpyxl stores it as a string cell
    cell = WriteOnlyCell(ws, cleaned)
    if needs_quoting(cleaned):
        cell.data_type = "s"  # openpyxl guessed "f" (or "e" for "#N/A"): store the text as it is
        cell.quotePrefix = True  # and keep it text when someone edits the cell
    return styled(cell, style) if style else cell


def exact_money(amount: Decimal) -> Decimal:
    """The amount to the cent, or ValueError if Excel could not store it exactly."""
    if not amount.is_finite() or abs(amount) > MAX_EXACT_MONEY:
        raise ValueError(f"{amount} is not an amount Excel stores exactly to the cent (15 significant digits)")
    return quantize(amount)


def number(ws: WriteOnlyWorksheet, value: Decimal | int, style: Style) -> Cell:
    return styled(WriteOnlyCell(ws, value), style)


def money(ws: WriteOnlyWorksheet, amount: Decimal, style: Style) -> Cell:
    return number(ws, exact_money(amount), style)


def day(ws: WriteOnlyWorksheet, value: date) -> Cell:
    return styled(WriteOnlyCell(ws, value), _DAY)


def formula(ws: WriteOnlyWorksheet, expression: str, style: Style) -> Cell:
    """A live formula; `expression` is ours (never user text) and starts with '='."""
    assert expression.startswith("=")
    return styled(WriteOnlyCell(ws, expression), style)


def with_format(style: Style, number_format: str) -> Style:
    return Style(style.font, style.fill, style.border, style.alignment, number_format)
