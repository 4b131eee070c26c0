"""Sheet scaffolding: a declarative column list becomes widths, a styled header, frozen panes and print setup.

Write-only sheets take column and page settings only before the first row,
so `new_sheet` applies them all up front.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from exports.cells import HEADER, NOTE, TITLE, text

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


def new_sheet(
    workbook: Workbook,
    title: str,
    columns: Sequence[Column],
    *,
    header_row: int,
    freeze_columns: int = 0,
) -> WriteOnlyWorksheet:
    """A sheet with its columns sized (and hidden), the header frozen and repeated on every printed page."""
    ws = workbook.create_sheet(safe_sheet_title(title))
    for index, column in enumerate(columns, start=1):
        dimension = ws.column_dimensions[get_column_letter(index)]
        dimension.width = column.width
        dimension.hidden = column.hidden
    ws.freeze_panes = f"{get_column_letter(freeze_columns + 1)}{header_row + 1}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as it takes
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.HeaderFooter.oddFooter.center.text = "&A, page &P of &N"  # sheet name, page numbers
    return ws


def write_title_block(ws: WriteOnlyWorksheet, title: str, note: str) -> None:
    """Rows 1-3: what the sheet shows, the units and sources, a blank line."""
    ws.append([text(ws, title, TITLE)])
    ws.append([text(ws, note, NOTE)])
    ws.append([])


def write_header(ws: WriteOnlyWorksheet, headers: Sequence[str]) -> None:
    ws.append([text(ws, header, HEADER) for header in headers])
