"""Reading the financial system's actuals extract (`actuals-extract/1`, contracts/execution.md).

`parse_extract` reads a CSV (UTF-8, optional BOM) or the first sheet of an .xlsx workbook and
returns every row it could read as an `ExtractRow`, every problem by row (the file's row: the
header is 1) and column, and the columns it does not know. It raises ImportRejected with one
message when the file as a whole cannot be used (too large, not CSV or a workbook, no header,
a required column missing, too many rows). No other exception leaves it. It knows the file,
not the database: whether INCLE FY2026 is an appropriation is for the caller to decide.

A workbook goes through the same defences as the submission import (exports.archive:
size, zip bombs, DTDs and entities, a row count before openpyxl opens it; defusedxml under
openpyxl) and a formula is a cell error, never evaluated.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook

from exports.archive import check_package
from exports.errors import ImportRejected
from exports.fields import shorten
from exports.importer import _rejecting_unreadable
from exports.limits import ACTUALS_LIMITS, Limits
from exports.progress import ReadingStopped, ReadProgress, reported
from money import MoneyError, parse_money

__all__ = ["COLUMNS", "ExtractRow", "ImportRejected", "ParsedExtract", "RowProblem", "parse_extract"]

COLUMNS = (
    "transaction_id",
    "posted_on",
    "account",
    "fiscal_year",
    "object_class",
    "division",
    "document_number",
    "obligation",
    "expenditure",
    "description",
)
OPTIONAL = frozenset({"division", "document_number", "description"})
MAX_ID = 64
MAX_DOCUMENT = 64
MAX_CODE = 64
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_YEAR = re.compile(r"[0-9]{4}")
_XLSX_SIGNATURE = b"PK\x03\x04"
_MONEY_HELP = "enter dollars with at most two decimals and an optional leading minus, like -1200.50"


@dataclass(frozen=True, slots=True)
class RowProblem:
    row: int
    column: str
    message: str

    def as_json(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass(frozen=True, slots=True)
class ExtractRow:
    row: int
    transaction_id: str
    posted_on: dt.date
    account: str
    fiscal_year: int
    object_class: str
    division: str  # "" for office-wide
    document_number: str  # "" when none
    obligation: Decimal
    expenditure: Decimal
    description: str


@dataclass(frozen=True, slots=True)
class ParsedExtract:
    rows: tuple[ExtractRow, ...]
    errors: tuple[RowProblem, ...]
    unknown_columns: tuple[str, ...]
    read: int = 0  # data rows read (blank ones skipped), with or without errors
    truncated: bool = False  # the errors stopped at the limit


class _BadCell(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_extract(
    data: bytes, filename: str = "", limits: Limits = ACTUALS_LIMITS, progress: ReadProgress | None = None
) -> ParsedExtract:
    """Parse an uploaded extract; raise ImportRejected if the file cannot be used. `progress` is told how
    much of a CSV is read (exports.progress); a workbook's reading is not measured."""
    data = bytes(data)
    _check_size(data, limits)
    if _is_workbook(data, filename):
        return _parse_workbook(data, limits)
    return _parse_csv(data, limits, progress)


def check_extract(data: bytes, filename: str = "", limits: Limits = ACTUALS_LIMITS) -> None:
    """Raise ImportRejected for what can be refused without reading the rows (a job checks this before its
    file waits in the queue): the size; for a workbook, its package; for a CSV, its encoding and header row."""
    data = bytes(data)
    _check_size(data, limits)
    if _is_workbook(data, filename):
        check_package(data, replace(limits, max_rows=limits.max_rows + 1))
        return
    _check_text(data)
    reader = csv.reader(io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ImportRejected(f"The file is not a well-formed CSV (line {reader.line_num:,}: {exc}).") from None
    _header_positions(header, "s")


def _check_size(data: bytes, limits: Limits) -> None:
    if not data:
        raise ImportRejected("The file is empty.")
    if len(data) > limits.max_bytes:
        raise ImportRejected(
            f"The file is {len(data) / (1024 * 1024):,.1f} MB; the limit is "
            f"{limits.max_bytes / (1024 * 1024):,.1f} MB. Split the extract into smaller files."
        )


def _is_workbook(data: bytes, filename: str) -> bool:
    return data.startswith(_XLSX_SIGNATURE) or filename.lower().endswith((".xlsx", ".xlsm"))


# --------------------------------------------------------------------------- the two formats


def _parse_csv(data: bytes, limits: Limits, progress: ReadProgress | None) -> ParsedExtract:
    _check_text(data)
    # Lines decoded as they are read, split as StringIO(newline="") would (\n, \r\n or \r, kept in the
    # line): a StringIO of the whole text held four bytes a character, some 70 MB for 200,000 rows.
    raw = io.BytesIO(data)
    reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""), strict=True)
    rows = ((row, "s") for row in reader)
    if progress is not None:
        rows = reported(rows, progress, lambda: raw.tell() / len(data))
    try:
        return _read_table(rows, limits)
    except csv.Error as exc:
        raise ImportRejected(f"The file is not a well-formed CSV (line {reader.line_num:,}: {exc}).") from None
    except ReadingStopped as stopped:  # the caller's own exception, as it raised it
        raise stopped.__cause__ from None


def _check_text(data: bytes) -> None:
    try:
        data.decode("utf-8-sig")  # checked whole, up front; the text is then read a chunk at a time
    except UnicodeDecodeError as exc:
        raise ImportRejected(
            f"The file is not UTF-8 text (byte {exc.start + 1:,} is not): export the extract as a UTF-8 CSV "
            "or an .xlsx workbook."
        ) from None
    if b"\x00" in data:  # in UTF-8 only NUL itself has a zero byte
        raise ImportRejected("The file holds NUL characters: it is not a CSV extract.")


def _parse_workbook(data: bytes, limits: Limits) -> ParsedExtract:
    # the header row counts as a row of the sheet: the cap is on data rows
    check_package(data, replace(limits, max_rows=limits.max_rows + 1))
    with _rejecting_unreadable(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
        try:
            if not workbook.worksheets:
                raise ImportRejected("The workbook has no sheet.")
            sheet = workbook.worksheets[0]
            if not hasattr(sheet, "iter_rows"):
                raise ImportRejected("The workbook's first sheet is a chart, not the extract's table.")
            sheet.reset_dimensions()
            rows = ([(cell.value, cell.data_type) for cell in cells] for cells in sheet.iter_rows())
            return _read_table(((row, "x") for row in rows), limits)
        finally:
            workbook.close()


# --------------------------------------------------------------------------- the table


def _header_name(value: Any) -> str:
    return "" if value is None else str(value).strip().casefold()


def _read_table(lines: Iterable[tuple[list, str]], limits: Limits) -> ParsedExtract:
    lines = iter(lines)
    header_row, kind = next(lines, (None, "s"))
    positions, unknown = _header_positions(header_row, kind)
    known = [(name, positions.get(name)) for name in COLUMNS]
    rows: list[ExtractRow] = []
    errors: list[RowProblem] = []
    truncated = False
    read = 0
    shared: dict[str, dict] = {}  # one object per repeated value keeps 200,000 rows' memory down
    for number, (values, kind) in enumerate(lines, start=2):
        if number - 1 > limits.max_rows:
            raise ImportRejected(
                f"The file has more than {limits.max_rows:,} rows; split the extract into smaller files."
            )
        empty = (None, "n") if kind == "x" else None
        cells = {name: (values[index] if index is not None and index < len(values) else empty) for name, index in known}
        if _blank(cells.values(), kind):
            continue
        read += 1
        row, problems = _read_row(number, cells, kind, limits, shared)
        if row is not None:
            rows.append(row)
        if problems and not truncated:
            errors.extend(problems)
            if len(errors) >= limits.max_errors:
                errors = errors[: limits.max_errors]
                errors.append(RowProblem(number, "", f"Stopped listing after {limits.max_errors:,} problems."))
                truncated = True
    return ParsedExtract(tuple(rows), tuple(errors), tuple(unknown), read, truncated)


def _header_positions(header_row: list | None, kind: str) -> tuple[dict[str, int], list[str]]:
    """Where each named column is, and the names the format does not know; refuses a header it cannot use."""
    if header_row is None:
        raise ImportRejected("The file is empty: the first row must name the columns (transaction_id, ...).")
    names = [_header_name(value[0] if kind == "x" else value) for value in header_row]
    positions: dict[str, int] = {}
    unknown: list[str] = []
    for index, name in enumerate(names):
        if not name:
            continue
        if name in positions:
            raise ImportRejected(f"The header names the column {shorten(name)} twice.")
        if name in COLUMNS:
            positions[name] = index
        else:
            positions[name] = index
            unknown.append(name[:100])
    missing = [name for name in COLUMNS if name not in OPTIONAL and name not in positions]
    if missing:
        raise ImportRejected(
            f"Row 1 must name the extract's columns; missing: {', '.join(missing)}. See the actuals-extract/1 format."
        )
    return positions, unknown


def _blank(values: Iterable[Any], kind: str) -> bool:
    for value in values:
        if kind == "x":
            value, data_type = value
            if data_type == "f":
                return False
        if value is not None and (not isinstance(value, str) or value.strip()):
            return False
    return True


def _text(value: Any, kind: str, column: str) -> str:
    """A cell as the text a CSV would hold ("" when empty); raises _BadCell for what has no text."""
    if kind == "s":
        return "" if value is None else value
    value, data_type = value
    if data_type == "f":
        raise _BadCell(f"A formula ({shorten(value)}) where a value must be: put the value itself.")
    if data_type == "e":
        raise _BadCell(f"The cell shows the error {shorten(value)}.")
    if value is None:
        return ""
    if isinstance(value, bool):
        raise _BadCell(f"{shorten(value)} is TRUE/FALSE, not a {column}.")
    if isinstance(value, dt.datetime):
        if column != "posted_on" or value.time() != dt.time():
            raise _BadCell(f"A date where {column} needs a value: check the cell's format.")
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _BadCell(f"{shorten(value)} is not a number.")
        if column == "fiscal_year" and value.is_integer():
            return str(int(value))
        if column == "object_class":
            return f"{Decimal(repr(value)):.1f}"  # Excel turned "41.0" into 41
        return repr(value)
    if isinstance(value, int) and column == "object_class":
        return f"{value}.0"
    return str(value)


_SHARED = ("posted_on", "account", "fiscal_year", "object_class", "division", "document_number")


def _read_row(
    number: int, cells: dict[str, Any], kind: str, limits: Limits, shared: dict[str, dict]
) -> tuple[ExtractRow | None, list[RowProblem]]:
    problems: list[RowProblem] = []
    fields: dict[str, Any] = {}
    for column, value in cells.items():
        try:
            text = _text(value, kind, column)
            fields[column] = _READERS[column](column, text, limits)
        except _BadCell as exc:
            problems.append(RowProblem(number, column, exc.message))
    if problems:
        return None, problems
    for column in _SHARED:  # codes, dates, years, documents repeat: one object each (by column)
        fields[column] = shared.setdefault(column, {}).setdefault(fields[column], fields[column])
    for column in ("obligation", "expenditure"):  # most rows have a zero in one of the two
        if not fields[column]:
            fields[column] = shared.setdefault(column, {}).setdefault(str(fields[column]), fields[column])
    return ExtractRow(row=number, **fields), []


def _required(column: str, text: str) -> str:
    text = text.strip()
    if not text:
        raise _BadCell(f"{column} is required.")
    return text


def _capped(column: str, text: str, limit: int) -> str:
    if len(text) > limit:
        raise _BadCell(f"{column} is {len(text):,} characters long; the limit is {limit:,}.")
    return text


def _read_id(column: str, text: str, _: Limits) -> str:
    return _capped(column, _required(column, text), MAX_ID)


def _read_date(column: str, text: str, _: Limits) -> dt.date:
    text = _required(column, text)
    try:
        if not _DATE.fullmatch(text):
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _BadCell(f"{shorten(text)} is not a date: write it as YYYY-MM-DD, like 2026-03-31.") from None


def _read_code(column: str, text: str, _: Limits) -> str:
    return _capped(column, _required(column, text), MAX_CODE)


def _read_optional_code(column: str, text: str, limits: Limits) -> str:
    return _capped(column, text.strip(), MAX_DOCUMENT if column == "document_number" else MAX_CODE)


def _read_year(column: str, text: str, _: Limits) -> int:
    text = _required(column, text)
    if not _YEAR.fullmatch(text):
        raise _BadCell(f"{shorten(text)} is not a fiscal year: write it like 2026.")
    return int(text)


def _read_money(column: str, text: str, _: Limits) -> Decimal:
    text = _required(column, text)
    try:
        return parse_money(text)
    except MoneyError:
        raise _BadCell(f"{shorten(text)} is not an amount: {_MONEY_HELP}.") from None


def _read_description(column: str, text: str, limits: Limits) -> str:
    return _capped(column, text.strip(), limits.max_text)


_READERS = {
    "transaction_id": _read_id,
    "posted_on": _read_date,
    "account": _read_code,
    "fiscal_year": _read_year,
    "object_class": _read_code,
    "division": _read_optional_code,
    "document_number": _read_optional_code,
    "obligation": _read_money,
    "expenditure": _read_money,
    "description": _read_description,
}
