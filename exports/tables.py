"""Sheet scaffolding over XlsxWriter: a declarative column list becomes widths, a styled header, frozen panes
and print setup; a `Sheet` takes rows in order, as constant_memory mode requires.

The workbook adds every sheet up front, in reading order (XlsxWriter keeps sheets in the order they were
added), and fills them afterwards in any order: Detail first, so the other sheets' SUMIFS know its size.
Only cells stream; columns, panes, filters and validations may be set at any time before closing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from exports.cells import HEADER, NOTE, TITLE, Cell, Style, text

_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
TITLE_BLOCK_ROWS = 3  # title, note, blank: table headers sit on row 4


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    hidden: bool = False


def safe_sheet_title(title: str) -> str:
    """A title Excel accepts: no []:*?/\\, no leading or trailing apostrophe, at most 31 characters."""
    cleaned = _TITLE_FORBIDDEN.sub("-", title).strip().strip("'")[:31].strip()
    if not cleaned or cleaned.casefold() == "history":  # Excel reserves "History"
        cleaned = f"Sheet {cleaned}".strip()[:31]
    return cleaned


def fit_width(values: Sequence[str], minimum: float = 8, maximum: float = 60) -> float:
    """A column width that shows the longest text (Excel widths are roughly characters)."""
    longest = max((len(value) for value in values), default=0)
    return min(max(minimum, longest + 2), maximum)


class Book:
    """An XlsxWriter workbook with one Format per Style, made when first used."""

    def __init__(self, workbook: Workbook) -> None:
        self.workbook = workbook
        self._formats: dict[Style, Format] = {}

    def add_sheets(self, titles: Iterable[str]) -> None:
        for title in titles:
            self.workbook.add_worksheet(safe_sheet_title(title))

    def format(self, style: Style | None) -> Format | None:
        if style is None:
            return None
        found = self._formats.get(style)
        if found is None:
            found = self._formats[style] = self.workbook.add_format(style.options())
        return found

    def sheet(self, title: str, columns: Sequence[Column], *, header_row: int, freeze_columns: int = 0) -> Sheet:
        """The sheet (added now unless `add_sheets` did) with its columns sized (and hidden), the header
        frozen and repeated on every printed page, landscape, one page wide."""
        name = safe_sheet_title(title)
        ws = self.workbook.get_worksheet_by_name(name) or self.workbook.add_worksheet(name)
        for index, column in enumerate(columns):
            ws.set_column(index, index, column.width, None, {"hidden": True} if column.hidden else None)
        ws.freeze_panes(header_row, freeze_columns)  # zero-based: the row and column after them
        ws.repeat_rows(header_row - 1)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)  # as many pages down as it takes
        ws.set_footer("&C&A, page &P of &N")  # sheet name, page numbers
        return Sheet(self, ws)


class Sheet:
    """Rows appended in order (row 1 first), each a sequence of cells (see exports.cells)."""

    def __init__(self, book: Book, worksheet: Worksheet) -> None:
        self.book = book
        self.worksheet = worksheet
        self.next_row = 0  # zero-based, as XlsxWriter counts

    def append(self, cells: Iterable[Cell | str | int | None]) -> None:
        row = self.next_row
        for col, cell in enumerate(cells):
            if cell is not None:
                self.write(row, col, cell)
        self.next_row = row + 1

    def write(self, row: int, col: int, cell: Cell | str | int) -> None:
        ws = self.worksheet
        if isinstance(cell, str):
            ws.write_string(row, col, cell)  # cleaned, and needs no quoting (exports.cells.text_cell)
        elif isinstance(cell, int):
            ws.write_number(row, col, cell)
        elif cell.kind == "text":
            assert isinstance(cell.value, str)
            ws.write_string(row, col, cell.value, self.book.format(cell.style))
        elif cell.kind == "formula":
            assert isinstance(cell.value, str)
            # An empty cached value, as openpyxl wrote: nothing stale is shown where formulas aren't recalculated.
            ws.write_formula(row, col, cell.value, self.book.format(cell.style), "")
        elif cell.kind == "date":
            assert isinstance(cell.value, date)
            ws.write_datetime(row, col, cell.value, self.book.format(cell.style))
        else:
            ws.write_number(row, col, cell.value, self.book.format(cell.style))


def write_title_block(ws: Sheet, title: str, note: str) -> None:
    """Rows 1-3: what the sheet shows, the units and sources, a blank line."""
    ws.append([text(title, TITLE)])
    ws.append([text(note, NOTE)])
    ws.append([])


def write_header(ws: Sheet, headers: Sequence[str]) -> None:
    ws.append([text(header, HEADER) for header in headers])
