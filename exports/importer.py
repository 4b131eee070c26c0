"""Reading an edited submission workbook back: a hostile-file-safe parser of its Detail sheet.

`parse_submission` either returns every row it could read together with every
problem it found (by sheet, row and column), or raises ImportRejected with one
clear message when the file as a whole cannot be used. No other exception
leaves it. It knows the file, not the database: whether "INCLE FY2027" is a
real appropriation is for the caller to decide.

Order of defence: size, zip and row-count checks (exports.archive) before
openpyxl opens anything; defusedxml under openpyxl as a second line; read-only, formula-aware
loading; a cap on rows, text and errors while reading.
"""

from __future__ import annotations

import dataclasses
import gc
import logging
import re
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import defusedxml
import openpyxl.xml
from openpyxl.utils import get_column_letter

from exports.archive import check_package
from exports.detail import (
    ABOUT_CHECKSUM,
    ABOUT_SCENARIO,
    ABOUT_SHEET,
    DETAIL_COLUMNS,
    DETAIL_HEADERS,
    DETAIL_SHEET,
    HEADER_ROW,
    Kind,
)
from exports.errors import ImportRejected
from exports.fields import FULL_CHECK, BadCell, is_blank, quick_reader, read_cell, shorten
from exports.limits import LIMITS, Limits
from exports.progress import ReadingStopped, ReadProgress
from exports.sheet_reader import Cells, UploadedWorkbook

__all__ = ["LIMITS", "CellError", "ImportRejected", "ImportedRow", "Limits", "ParsedWorkbook", "parse_submission"]

if not openpyxl.xml.DEFUSEDXML:  # a deployment fault, not a bad file: refuse to run without it
    raise ImportError("exports.importer needs defusedxml under openpyxl (is OPENPYXL_DEFUSEDXML set to False?)")

log = logging.getLogger(__name__)
_HEADER_SCAN = len(DETAIL_COLUMNS) + 50  # how far right to look for columns someone added
_ABOUT_SCAN_ROWS = 200
_CHECKSUM = re.compile(r"[0-9a-f]{64}")
_TOTAL_LABELS = {"total", "totals", "grand total"}
# Codes repeat on every row: one string each keeps 100,000 rows' memory down.
_CODE_FIELDS = frozenset(column.field for column in DETAIL_COLUMNS if column.kind in (Kind.CODE, Kind.OBJECT_CLASS))
_UNREADABLE = (
    "The file could not be read as an Excel workbook; it may be damaged. "
    "Open it in Excel, save it as an Excel Workbook (.xlsx) and upload that."
)


@dataclass(frozen=True, slots=True)
class CellError:
    sheet: str
    row: int
    column: str  # the header, as the person sees it
    message: str


@dataclass(frozen=True, slots=True)
class ImportedRow:
    sheet_row: int
    line_id: int | None
    version: int | None
    fiscal_year: int
    appropriation: str
    division: str
    object_class: str
    region: str | None
    country: str | None
    priority: str | None
    program_type: str | None
    description: str
    stage: str | None
    amount: Decimal


@dataclass(frozen=True, slots=True)
class ParsedWorkbook:
    rows: tuple[ImportedRow, ...]
    errors: tuple[CellError, ...]
    checksum_in_file: str | None
    scenario_in_file: str | None


# The cells a data row is read from, and the fast reader of each column that is imported, in ImportedRow's order.
_WIDTH = len(DETAIL_COLUMNS)
_YEAR_INDEX = next(index for index, column in enumerate(DETAIL_COLUMNS) if column.kind is Kind.YEAR)
_IMPORTED = [(index, column) for index, column in enumerate(DETAIL_COLUMNS) if column.kind is not Kind.INFO]
_QUICK_READERS = tuple((index, quick_reader(column)) for index, column in _IMPORTED)
_CODE_POSITIONS = tuple(n for n, (_, column) in enumerate(_IMPORTED) if column.field in _CODE_FIELDS)
if [field.name for field in dataclasses.fields(ImportedRow)] != ["sheet_row", *(c.field for _, c in _IMPORTED)]:
    raise ImportError("ImportedRow's fields must follow DETAIL_COLUMNS' order: rows are built by position")
if [column.field for _, column in _IMPORTED[:2]] != ["line_id", "version"]:
    raise ImportError("the quick reading expects Line id and Version first")


def parse_submission(data: bytes, limits: Limits = LIMITS, progress: ReadProgress | None = None) -> ParsedWorkbook:
    """Parse the Detail sheet of an uploaded workbook; raise ImportRejected if the file cannot be used.
    `progress` is told how much of the Detail sheet is read (exports.progress)."""
    check_package(bytes(data), limits)
    with _rejecting_unreadable(), warnings.catch_warnings():
        # openpyxl warns about parts it drops (extensions, data validation): not the uploader's concern.
        # catch_warnings swaps the process-wide filters for the moment; at worst it hides another thread's warning.
        warnings.simplefilter("ignore")
        with UploadedWorkbook(data) as workbook, _no_cycle_collection():
            rows, errors = _read_detail(_detail_rows(workbook, progress), limits)
            scenario, checksum = _read_about(workbook, limits)
    return ParsedWorkbook(rows=rows, errors=errors, checksum_in_file=checksum, scenario_in_file=scenario)


@contextmanager
def _rejecting_unreadable() -> Iterator[None]:
    """Whatever openpyxl, zipfile or the XML parser raise on a bad file becomes one clear rejection."""
    try:
        yield
    except ImportRejected:
        raise
    except ReadingStopped as stopped:  # the caller's own exception, as it raised it
        raise stopped.__cause__ from None
    except Exception as exc:  # the boundary: a bad upload must never become a server error
        log.info("workbook rejected as unreadable", exc_info=True)
        raise ImportRejected(_explain(exc)) from None


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """The cycle collector paused while reading: every row read is kept (no garbage to find), yet each
    collection would walk all of them again, a tenth of the parse at 100,000 rows. Reference counting
    still frees all the rest; the collector runs again as soon as the reading ends."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _explain(exc: BaseException) -> str:
    """The message for an error, by its root cause (openpyxl wraps parser errors in its own ValueError)."""
    seen: BaseException | None = exc
    for _ in range(20):  # a chain is short; never loop on a cyclic one
        if seen is None:
            break
        if isinstance(seen, defusedxml.DefusedXmlException):
            return "The file declares XML entities, which Excel never writes; it was refused."
        if isinstance(seen, MemoryError):
            return "The file is too large to read. Upload a smaller workbook."
        seen = seen.__cause__ or seen.__context__
    return _UNREADABLE


def _detail_rows(workbook: UploadedWorkbook, progress: ReadProgress | None) -> Iterator[tuple[int, Cells]]:
    if not workbook.has_worksheet(DETAIL_SHEET):
        found = ", ".join(shorten(name, 31) for name in workbook.sheet_names[:10]) or "none"
        raise ImportRejected(
            f"The workbook has no {DETAIL_SHEET} sheet (it has: {found}). Upload the workbook Apportion "
            f"exported, with your changes in its {DETAIL_SHEET} sheet."
        )
    return workbook.rows(DETAIL_SHEET, progress)  # the rows the file holds, whatever size it states


def _in_order(rows: Iterator[tuple[int, Cells]], first: int, last: int | None = None) -> Iterator[tuple[int, Cells]]:
    """Rows from `first` (to `last`), each once and in order, as openpyxl's iter_rows reads them: a row
    number that repeats or goes back is skipped, and reading stops at the first row past `last`."""
    expected = first
    for number, cells in rows:
        if last is not None and number > last:
            return
        if number >= expected:
            expected = number + 1
            yield number, cells


def _values(cells: Cells, width: int) -> list[Any]:
    """The values of columns 1..width (None where the file has no cell)."""
    values: list[Any] = [None] * width
    for cell in cells:
        column = cell["column"]
        if 0 < column <= width:
            values[column - 1] = cell["value"]
    return values


def _check_header(found: Sequence[Any]) -> None:
    problems = []
    for index, expected in enumerate(DETAIL_HEADERS, start=1):
        value = found[index - 1]
        text = str(value).strip() if value is not None else ""
        if text.casefold() != expected.casefold():
            shown = shorten(text) if text else "empty"
            problems.append(f"column {get_column_letter(index)} should be “{expected}” but is {shown}")
    for index in range(len(DETAIL_HEADERS) + 1, _HEADER_SCAN + 1):
        value = found[index - 1]
        if value is not None and str(value).strip():
            problems.append(f"column {get_column_letter(index)} ({shorten(value)}) is not one Apportion exported")
    if problems:
        listed = "; ".join(problems[:3]) + ("; …" if len(problems) > 3 else "")
        raise ImportRejected(
            f"Row {HEADER_ROW} of the {DETAIL_SHEET} sheet is not the header Apportion exported: {listed}. "
            "Keep the columns and their names as exported (the first two are hidden)."
        )


def _read_detail(
    rows: Iterator[tuple[int, Cells]], limits: Limits
) -> tuple[tuple[ImportedRow, ...], tuple[CellError, ...]]:
    ordered = _in_order(rows, first=HEADER_ROW)
    number, cells = next(ordered, (0, []))
    _check_header(_values(cells if number == HEADER_ROW else [], _HEADER_SCAN))
    result: list[ImportedRow] = []
    errors: list[CellError] = []
    codes: dict[str, str] = {}
    for sheet_row, cells in ordered:
        if sheet_row - HEADER_ROW > limits.max_rows:
            raise ImportRejected(
                f"The {DETAIL_SHEET} sheet has more than {limits.max_rows:,} rows; split the changes into "
                "smaller files."
            )
        values: list[Any] = [None] * _WIDTH
        types = ["n"] * _WIDTH  # openpyxl's type of a missing cell
        for cell in cells:
            column = cell["column"]
            if 0 < column <= _WIDTH:
                values[column - 1] = cell["value"]
                types[column - 1] = cell["data_type"]
        year = values[_YEAR_INDEX]
        # A fiscal year typed as a number is neither a blank row nor a label: skip both scans.
        if (type(year) is not int or types[_YEAR_INDEX] != "n") and (
            _is_blank_row(values, types) or _is_totals_row(values, types)
        ):
            continue
        row, row_errors = _read_row(sheet_row, values, types, limits, codes)
        if row is not None:
            result.append(row)
        errors.extend(row_errors)
        if len(errors) >= limits.max_errors:
            errors = errors[: limits.max_errors]
            errors.append(
                CellError(
                    DETAIL_SHEET, sheet_row, "", f"Stopped after {limits.max_errors:,} problems: fix these first."
                )
            )
            break
    return tuple(result), tuple(errors)


def _is_blank_row(values: Sequence[Any], types: Sequence[str]) -> bool:
    """Only empty cells and spaces (even in Description, which otherwise keeps its spaces)."""
    return all(
        kind != "f" and (value is None or (isinstance(value, str) and not value.strip()))
        for value, kind in zip(values, types, strict=True)
    )


def _is_totals_row(values: Sequence[Any], types: Sequence[str]) -> bool:
    """A row someone added under the data to total it: only a label such as "Total" and the amount."""
    labels = [
        value
        for column, value, kind in zip(DETAIL_COLUMNS, values, types, strict=True)
        if column.kind is not Kind.MONEY and (kind == "f" or not is_blank(column, value))
    ]
    return bool(labels) and all(
        isinstance(label, str) and label.strip().casefold() in _TOTAL_LABELS for label in labels
    )


def _read_row(
    sheet_row: int, values: Sequence[Any], types: Sequence[str], limits: Limits, codes: dict[str, str]
) -> tuple[ImportedRow | None, list[CellError]]:
    """One row's fields, or its problems; `codes` shares one string per distinct code across rows."""
    if "f" not in types and "e" not in types:
        fields = _quick_fields(values, limits.max_text)
        if fields is not None:
            for index in _CODE_POSITIONS:
                code = fields[index]
                if code:
                    fields[index] = codes.setdefault(code, code)
            return ImportedRow(sheet_row, *fields), []
    return _read_row_in_full(sheet_row, values, types, limits, codes)


def _quick_fields(values: Sequence[Any], max_text: int) -> list[Any] | None:
    """The row's fields in ImportedRow's order when every cell is of a common, valid kind; else None."""
    fields = []
    for index, quick in _QUICK_READERS:
        field = quick(values[index], max_text)
        if field is FULL_CHECK:
            return None
        fields.append(field)
    if (fields[0] is None) != (fields[1] is None):  # line id and version: said by the full reading
        return None
    return fields


def _read_row_in_full(
    sheet_row: int, values: Sequence[Any], types: Sequence[str], limits: Limits, codes: dict[str, str]
) -> tuple[ImportedRow | None, list[CellError]]:
    """Every cell through read_cell, each problem with its message."""
    fields: dict[str, Any] = {}
    errors: list[CellError] = []
    for column, value, kind in zip(DETAIL_COLUMNS, values, types, strict=True):
        if column.kind is Kind.INFO:
            continue  # shown for reading only
        try:
            field = read_cell(column, value, kind, limits.max_text)
            fields[column.field] = codes.setdefault(field, field) if column.field in _CODE_FIELDS and field else field
        except BadCell as exc:
            errors.append(CellError(DETAIL_SHEET, sheet_row, column.header, exc.message))
    if not errors and (fields["line_id"] is None) != (fields["version"] is None):
        present, missing = ("Line id", "Version") if fields["version"] is None else ("Version", "Line id")
        errors.append(
            CellError(
                DETAIL_SHEET,
                sheet_row,
                missing,
                f"{present} is filled in but {missing} is empty: leave both hidden columns as exported "
                "(both empty for a new line).",
            )
        )
    if errors:
        return None, errors
    return ImportedRow(sheet_row=sheet_row, **fields), []


def _read_about(workbook: UploadedWorkbook, limits: Limits) -> tuple[str | None, str | None]:
    """The scenario name and detail checksum the About sheet recorded at export, if it is still there."""
    if not workbook.has_worksheet(ABOUT_SHEET):
        return None, None
    found: dict[str, str] = {}
    for _, cells in _in_order(workbook.rows(ABOUT_SHEET), first=1, last=_ABOUT_SCAN_ROWS):
        label, value = _values(cells, 2)
        if isinstance(label, str) and isinstance(value, str) and label in (ABOUT_SCENARIO, ABOUT_CHECKSUM):
            found.setdefault(label, value)
    scenario = found.get(ABOUT_SCENARIO)
    checksum = found.get(ABOUT_CHECKSUM, "").strip()
    return (
        scenario[: limits.max_text] if scenario else None,
        checksum if _CHECKSUM.fullmatch(checksum) else None,
    )
