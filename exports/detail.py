"""The Detail sheet: the contract between the writer and the importer, and the checksum of its rows.

One declarative column list says what each column holds, how wide it is and
whether it is hidden; the writer, the importer's header check and its cell
parsers all read it, so they cannot drift apart.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from exports.cells import MONEY_CENTS, Style, clean_text, exact_money, number, text_cell
from exports.rows import DetailRow
from exports.tables import Column, new_sheet, write_header

DETAIL_SHEET = "Detail"
ABOUT_SHEET = "About"
ABOUT_SCENARIO = "Scenario"  # labels in the About sheet's first column that the importer reads back
ABOUT_CHECKSUM = "Detail checksum (SHA-256)"
HEADER_ROW = 1  # the Detail sheet has no title block, so sorting and filtering just work


class Kind(enum.Enum):
    ID = "id"  # a whole number the app wrote: line id, version
    YEAR = "year"
    CODE = "code"  # a key by its code, compared after trimming spaces
    OBJECT_CLASS = "object class"  # a code like "41.0", which Excel may turn into the number 41
    TEXT = "text"  # free text, kept exactly
    MONEY = "money"
    INFO = "info"  # shown for reading, ignored on import


@dataclass(frozen=True)
class DetailColumn:
    header: str
    field: str  # the DetailRow / ImportedRow attribute
    kind: Kind
    width: float
    required: bool = False
    hidden: bool = False

    @property
    def layout(self) -> Column:
        return Column(self.header, self.width, self.hidden)


DETAIL_COLUMNS: tuple[DetailColumn, ...] = (
    DetailColumn("Line id", "line_id", Kind.ID, 9, hidden=True),
    DetailColumn("Version", "version", Kind.ID, 9, hidden=True),
    DetailColumn("Fiscal year", "fiscal_year", Kind.YEAR, 11, required=True),
    DetailColumn("Appropriation", "appropriation", Kind.CODE, 18, required=True),
    DetailColumn("Division", "division", Kind.CODE, 11, required=True),
    DetailColumn("Object class", "object_class", Kind.OBJECT_CLASS, 13, required=True),
    DetailColumn("Region", "region", Kind.CODE, 10),
    DetailColumn("Country", "country", Kind.CODE, 10),
    DetailColumn("Priority", "priority", Kind.CODE, 14),
    DetailColumn("Program type", "program_type", Kind.CODE, 14),
    DetailColumn("Description", "description", Kind.TEXT, 50),
    DetailColumn("Stage", "stage", Kind.CODE, 11),
    DetailColumn("Source", "source", Kind.INFO, 11),
    DetailColumn("Amount", "amount", Kind.MONEY, 16, required=True),
)
DETAIL_HEADERS = tuple(column.header for column in DETAIL_COLUMNS)
AMOUNT_LETTER = get_column_letter(next(n for n, column in enumerate(DETAIL_COLUMNS, 1) if column.kind is Kind.MONEY))
_LAST_LETTER = get_column_letter(len(DETAIL_COLUMNS))
_AMOUNT_STYLE = Style(number_format=MONEY_CENTS)


def _text(value: object) -> str | None:
    return clean_text(str(value)) or None


# How each kind is stored, looked up once per column rather than once per cell.
_STORE: dict[Kind, Callable[[Any], Any]] = {Kind.ID: int, Kind.YEAR: int, Kind.MONEY: exact_money}
_FIELDS = attrgetter(*(column.field for column in DETAIL_COLUMNS))
_STORERS = tuple(_STORE.get(column.kind, _text) for column in DETAIL_COLUMNS)
_MONEY_INDEXES = tuple(i for i, column in enumerate(DETAIL_COLUMNS) if column.kind is Kind.MONEY)


def _stored(row: DetailRow) -> list[Any]:
    """The row as the file holds it: cleaned text or None, whole numbers, money to the cent."""
    return [None if value is None else store(value) for value, store in zip(_FIELDS(row), _STORERS, strict=True)]


def _canonical_line(values: list[Any]) -> bytes:
    shown = list(values)
    for index in _MONEY_INDEXES:
        shown[index] = f"{shown[index]:.2f}"
    return json.dumps(shown, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def detail_checksum(rows: Iterable[DetailRow]) -> str:
    """SHA-256 (hex) of the detail as written: one compact JSON array per row, in sheet column order,
    newline-terminated, UTF-8; empty text is null, text is cleaned as in the cells, amounts are "1234.50"."""
    digest = hashlib.sha256()
    for row in rows:
        digest.update(_canonical_line(_stored(row)))
    return digest.hexdigest()


@dataclass(frozen=True)
class DetailWritten:
    rows: int
    checksum: str


def write_detail(workbook: Workbook, rows: Iterable[DetailRow]) -> DetailWritten:
    """Stream every row into the Detail sheet, hashing as it goes (the rows are read once)."""
    ws = new_sheet(workbook, DETAIL_SHEET, [column.layout for column in DETAIL_COLUMNS], header_row=HEADER_ROW)
    write_header(ws, DETAIL_HEADERS)
    digest = hashlib.sha256()
    count = 0
    for row in rows:
        values = _stored(row)
        digest.update(_canonical_line(values))
        ws.append([_cell(ws, value) for value in values])
        count += 1
    ws.auto_filter.ref = f"A{HEADER_ROW}:{_LAST_LETTER}{HEADER_ROW + count}"
    return DetailWritten(rows=count, checksum=digest.hexdigest())


def _cell(ws: WriteOnlyWorksheet, value: Any) -> Any:
    if isinstance(value, str):
        return text_cell(ws, value)
    if isinstance(value, Decimal):
        return number(ws, value, _AMOUNT_STYLE)  # already exact_money
    return value  # None or a whole number
