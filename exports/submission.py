"""The budget submission workbook for a plan scenario: the data in, an .xlsx out.

XlsxWriter in constant_memory mode streams each sheet's rows to a temporary
file, so the Detail sheet of a 100,000-line scenario is written in bounded
memory straight from a generator. Sheets, in order: Summary, Object class,
Program, Staffing, Travel, Spend plan (when the data has one), Detail, About,
and the hidden Lists (when the data has lists).

Every sheet is added up front in that order; Detail is filled first, so that the
other sheets' SUMIFS over it know how many rows it has.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import BinaryIO

from xlsxwriter.exceptions import FileCreateError
from xlsxwriter.workbook import Workbook

from exports.detail import ABOUT_SHEET, DETAIL_SHEET, LISTS_SHEET, write_detail
from exports.rows import LIST_FIELDS, ColumnsRow, DetailRow, SpendPlanTable, StaffingRow, SubmissionWorkbook, TripRow
from exports.sheets import (
    SPEND_PLAN_SHEET,
    write_about,
    write_comparison,
    write_program,
    write_spend_plan,
    write_staffing,
    write_travel,
)
from exports.tables import Book

__all__ = [
    "LIST_FIELDS",
    "ColumnsRow",
    "DetailRow",
    "SpendPlanTable",
    "StaffingRow",
    "SubmissionWorkbook",
    "TripRow",
    "write_submission",
]


def write_submission(data: SubmissionWorkbook, out: BinaryIO | str | Path) -> str:
    """Write the workbook to a path or a binary stream (left open); return the Detail checksum.

    The checksum is `exports.detail.detail_checksum` of the rows as written.
    Raises ValueError for an amount too large for Excel to hold to the cent (before anything is written
    to `out`), OSError when the path cannot be written; either way no temporary file is left behind.
    """
    workbook = Workbook(str(out) if isinstance(out, Path) else out, {"constant_memory": True})
    try:
        checksum = _write_sheets(Book(workbook), data)
        workbook.close()
    except FileCreateError as exc:  # XlsxWriter wraps the OSError: give callers the OSError they handle
        _discard(workbook)
        cause = exc.args[0] if exc.args else None
        if isinstance(cause, OSError):
            raise OSError(cause.errno, cause.strerror, cause.filename) from exc
        raise OSError(str(exc)) from exc
    except BaseException:
        _discard(workbook)
        raise
    return checksum


def _write_sheets(book: Book, data: SubmissionWorkbook) -> str:
    book.add_sheets(
        [
            "Summary",
            "Object class",
            "Program",
            "Staffing",
            "Travel",
            *([SPEND_PLAN_SHEET] if data.spend_plan is not None else []),
            DETAIL_SHEET,
            ABOUT_SHEET,
            *([LISTS_SHEET] if data.lists is not None else []),
        ]
    )
    book.workbook.set_properties(
        {
            "title": f"FY {data.budget_year} budget submission: {data.scenario}",
            "author": "Apportion",
            "comments": f"Apportion {data.app_version}",
            "created": data.exported_at_utc,
        }
    )
    detail = write_detail(book, data.detail, data.lists)
    request = f"FY {data.budget_year} Request ({data.scenario})"
    sources = f"Dollars. Actual: {data.py_scenario}. Enacted: {data.cy_scenario}. Request: {data.scenario}."
    write_comparison(
        book,
        "Summary",
        f"{request}: summary by appropriation account",
        sources,
        ("Account", "Title"),
        data.summary,
        data.budget_year,
        detail,
    )
    write_comparison(
        book,
        "Object class",
        f"{request}: object class by account (OMB A-11 Schedule O)",
        sources,
        ("Account", "Object class", "Title"),
        data.object_classes,
        data.budget_year,
        detail,
        subtotal_by_account=True,
    )
    write_program(book, data, detail)
    write_staffing(book, data, detail)
    write_travel(book, data.travel, data.budget_year)
    if data.spend_plan is not None:
        write_spend_plan(book, data.spend_plan, data.scenario)
    write_about(book, data, detail)
    return detail.checksum


def _discard(workbook: Workbook) -> None:
    """After a failed write, close each sheet's temporary row file and delete it (XlsxWriter leaves them).

    XlsxWriter has no public way to abandon a workbook; these are the steps its close() takes."""
    for ws in workbook.worksheets():
        with contextlib.suppress(Exception):  # already failing: keep the original error
            ws._opt_close()
            if ws.row_data_filename:
                os.unlink(ws.row_data_filename)
