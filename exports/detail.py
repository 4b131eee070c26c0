"""The Detail sheet: the contract between the writer and the importer, and the checksum of its rows.

One declarative column list says what each column holds, how wide it is and
whether it is hidden; the writer, the importer's header check and its cell
parsers all read it, so they cannot drift apart.
"""

from __future__ import annotations

import enum
import hashlib
import itertools
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from exports.cells import (
    MONEY_CENTS,
    QUOTED,
    Style,
    clean_text,
    exact_money,
    is_clean,
    needs_quoting,
    text_cell,
)
from exports.rows import LIST_FIELDS, DetailRow
from exports.tables import Book, Column, write_header

DETAIL_SHEET = "Detail"
LISTS_SHEET = "Lists"  # hidden: the names Detail's drop-downs offer
# Rows below the last line that the other sheets' SUMIFS and the drop-downs still cover, for lines added
# at the bottom of Detail.
SPARE_ROWS = 1000
MAX_SHEET_ROW = 1_048_576
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


def _letter(number: int) -> str:
    """A column's letters from its 1-based number: 1 is A."""
    return xl_col_to_name(number - 1)


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
AMOUNT_LETTER = _letter(next(n for n, column in enumerate(DETAIL_COLUMNS, 1) if column.kind is Kind.MONEY))
LETTER_OF = {column.field: _letter(n) for n, column in enumerate(DETAIL_COLUMNS, 1)}
LIST_HEADERS = {
    field: next(column.header for column in DETAIL_COLUMNS if column.field == field) for field in LIST_FIELDS
}
_AMOUNT_STYLE = Style(number_format=MONEY_CENTS)


def _text(value: object) -> str | None:
    return clean_text(str(value)) or None


# How each kind is stored, looked up once per column rather than once per cell.
_STORE: dict[Kind, Callable[[Any], Any]] = {Kind.ID: int, Kind.YEAR: int, Kind.MONEY: exact_money}
_FIELDS = attrgetter(*(column.field for column in DETAIL_COLUMNS))
_STORERS = tuple(_STORE.get(column.kind, _text) for column in DETAIL_COLUMNS)
_FIELD_INDEX = {column.field: index for index, column in enumerate(DETAIL_COLUMNS)}
_MONEY_INDEXES = tuple(i for i, column in enumerate(DETAIL_COLUMNS) if column.kind is Kind.MONEY)


_TEXT_INDEXES = tuple(i for i, store in enumerate(_STORERS) if store is _text)
_OTHER_INDEXES = tuple((i, store) for i, store in enumerate(_STORERS) if store is not _text)


def _stored(row: DetailRow) -> list[Any]:
    """The row as the file holds it: cleaned text or None, whole numbers, money to the cent."""
    return _stored_row(row)[0]


# A text of the row (joined by \n) may start like a formula or an error code: needs_quoting decides which.
_MAY_NEED_QUOTING = re.compile("(?:^|\n)[-=+@\t#]")


def _stored_row(row: DetailRow) -> tuple[list[Any], bool]:
    """`_stored`, and whether any of its text may need quoting (False: none does)."""
    values = list(_FIELDS(row))
    for index, store in _OTHER_INDEXES:
        if values[index] is not None:
            values[index] = store(values[index])
    texts = [values[index] for index in _TEXT_INDEXES]
    try:  # most rows' text is clean already: check it all at once
        joined = "\n".join(filter(None, texts))
        if "" not in texts and is_clean(joined):
            return values, _MAY_NEED_QUOTING.search(joined) is not None
    except TypeError:  # text that isn't a str yet
        pass
    for index in _TEXT_INDEXES:
        if values[index] is not None:
            values[index] = _text(values[index])
    return values, True


_CANONICAL = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # made once, not per row


def _canonical_line(values: list[Any]) -> bytes:
    shown = list(values)
    for index in _MONEY_INDEXES:
        shown[index] = f"{shown[index]:.2f}"
    return (_CANONICAL.encode(shown) + "\n").encode()


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
    last_row: int  # the last Detail row that formulas and drop-downs cover (the lines, then SPARE_ROWS)

    def column(self, field: str) -> str:
        """An absolute reference to a field's cells, e.g. Detail!$N$2:$N$1201."""
        letter = LETTER_OF[field]
        return f"{DETAIL_SHEET}!${letter}${HEADER_ROW + 1}:${letter}${self.last_row}"

    def sumifs(self, match: Mapping[str, Sequence[str]], extra: Sequence[tuple[str, str]] = ()) -> str:
        """A formula: the amount of the Detail lines whose fields hold one of the values in `match`
        (one SUMIFS per combination of values, added up); `extra` adds criteria as they are, e.g.
        ("region", '"<>"') for "not empty". "=0" when a field may hold no value at all."""
        fields = list(match)
        terms = []
        for values in itertools.product(*(match[field] for field in fields)):
            criteria = [(field, criterion(value)) for field, value in zip(fields, values, strict=True)]
            pairs = ",".join(f"{self.column(field)},{text}" for field, text in [*criteria, *extra])
            terms.append(f"SUMIFS({self.column('amount')},{pairs})")
        return "=" + "+".join(terms) if terms else "=0"


def criterion(value: str) -> str:
    """A SUMIFS criterion (a formula string literal) that matches exactly this text, ignoring case as
    Excel does: wildcards (* ? ~) escaped with ~, an operator-like start made an explicit "=". The text is
    first cleaned as its cells are (clean_text), so the criterion matches what Detail holds. A string
    literal, or literals joined with & (see _CALL_LIKE)."""
    escaped = clean_text(value).replace("~", "~~").replace("*", "~*").replace("?", "~?").replace('"', '""')
    if escaped.startswith(("=", "<", ">")):
        escaped = "=" + escaped
    return _CALL_LIKE.sub('"&"(', f'"{escaped}"')


# XlsxWriter rewrites a name followed by "(" anywhere in a formula, string literals included ("FILTER(" becomes
# "_xlfn._xlws.FILTER(" and the cell a dynamic array): criterion() splits the literal there with &, as in
# "FILTER"&"(1)", which Excel and LibreOffice join back into the same text.
_CALL_LIKE = re.compile(r"(?<=\w)\(")


def write_detail(
    book: Book, rows: Iterable[DetailRow], lists: Mapping[str, Sequence[str]] | None = None
) -> DetailWritten:
    """Stream every row into the Detail sheet, hashing as it goes (the rows are read once); with `lists`,
    a hidden Lists sheet of names and a drop-down on each list field's column.

    The bulk of the workbook, so the loop talks to XlsxWriter directly: text through write_string (never
    a formula), the quote-prefix style on text that a spreadsheet could evaluate when edited."""
    sheet = book.sheet(DETAIL_SHEET, [column.layout for column in DETAIL_COLUMNS], header_row=HEADER_ROW)
    write_header(sheet, DETAIL_HEADERS)
    ws = sheet.worksheet
    # XlsxWriter's write_string and write_number are these two under a decorator that only reads A1-style
    # references ("B7"); we pass row and column numbers, and the decorator alone cost a tenth of a large
    # export. The public methods if a later XlsxWriter renames them (requirements.txt pins 3.3.1).
    write_string = getattr(ws, "_write_string", ws.write_string)
    write_number = getattr(ws, "_write_number", ws.write_number)
    quoted, amount_format = book.format(QUOTED), book.format(_AMOUNT_STYLE)
    (money_column,) = _MONEY_INDEXES
    digest = hashlib.sha256()
    row_number = sheet.next_row
    for row in rows:
        values, may_need_quoting = _stored_row(row)
        digest.update(_canonical_line(values))
        for col, value in enumerate(values):
            if value is None:
                continue
            if value.__class__ is str:
                write_string(row_number, col, value, quoted if may_need_quoting and needs_quoting(value) else None)
            elif col == money_column:
                write_number(row_number, col, value, amount_format)
            else:
                write_number(row_number, col, value)
        row_number += 1
    count = row_number - sheet.next_row
    sheet.next_row = row_number
    ws.autofilter(HEADER_ROW - 1, 0, HEADER_ROW - 1 + count, len(DETAIL_COLUMNS) - 1)
    written = DetailWritten(count, digest.hexdigest(), min(HEADER_ROW + count + SPARE_ROWS, MAX_SHEET_ROW))
    if lists is not None:
        _write_lists(book, sheet.worksheet, lists, written.last_row)
    return written


def _write_lists(book: Book, detail: Worksheet, lists: Mapping[str, Sequence[str]], last: int) -> None:
    """The hidden Lists sheet (one column of names per list field) and Detail's drop-downs over it."""
    columns = [[clean_text(name) for name in lists.get(field, ())] for field in LIST_FIELDS]
    sheet = book.sheet(LISTS_SHEET, [Column(LIST_HEADERS[field], 40) for field in LIST_FIELDS], header_row=1)
    sheet.worksheet.hide()
    write_header(sheet, [LIST_HEADERS[field] for field in LIST_FIELDS])
    for values in itertools.zip_longest(*columns):
        sheet.append([None if value is None else text_cell(value) for value in values])
    for index, (field, names) in enumerate(zip(LIST_FIELDS, columns, strict=True), start=1):
        if not names:
            continue
        letter = _letter(index)
        column = _FIELD_INDEX[field]
        detail.data_validation(
            HEADER_ROW,  # zero-based: the row under the header
            column,
            last - 1,
            column,
            {
                "validate": "list",
                "source": f"={LISTS_SHEET}!${letter}$2:${letter}${len(names) + 1}",
                "ignore_blank": True,
                "show_error": True,
                "error_title": LIST_HEADERS[field],
                "error_message": f"Choose a {LIST_HEADERS[field].lower()} from the list.",
            },
        )
