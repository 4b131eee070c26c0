"""The budget submission workbook for a plan scenario: the data in, an .xlsx out.

Every sheet is write-only (openpyxl streams rows to temporary files), so the
Detail sheet of a 100,000-line scenario is written in bounded memory straight
from a generator. Sheets, in order: Summary, Object class, Program, Staffing,
Travel, Spend plan (when the data has one), Detail, About, and the hidden Lists
(when the data has lists).

Detail is written first, so that the other sheets' SUMIFS over it know how
many rows it has; the sheets are put in reading order before saving.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import BinaryIO

from openpyxl import Workbook

from exports.detail import write_detail
from exports.rows import LIST_FIELDS, ColumnsRow, DetailRow, SpendPlanTable, StaffingRow, SubmissionWorkbook, TripRow
from exports.sheets import (
    write_about,
    write_comparison,
    write_program,
    write_spend_plan,
    write_staffing,
    write_travel,
)

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
    Raises ValueError for an amount too large for Excel to hold to the cent.
    """
    workbook = Workbook(write_only=True)
    try:
        checksum = _write_sheets(workbook, data)
    except BaseException:
        _discard(workbook)
        raise
    workbook.save(str(out) if isinstance(out, Path) else out)
    return checksum


def _write_sheets(workbook: Workbook, data: SubmissionWorkbook) -> str:
    detail = write_detail(workbook, data.detail, data.lists)
    first = len(workbook.worksheets)  # Detail, and Lists if any
    request = f"FY {data.budget_year} Request ({data.scenario})"
    sources = f"Dollars. Actual: {data.py_scenario}. Enacted: {data.cy_scenario}. Request: {data.scenario}."
    write_comparison(
        workbook,
        "Summary",
        f"{request}: summary by appropriation account",
        sources,
        ("Account", "Title"),
        data.summary,
        data.budget_year,
        detail,
    )
    write_comparison(
        workbook,
        "Object class",
        f"{request}: object class by account (OMB A-11 Schedule O)",
        sources,
        ("Account", "Object class", "Title"),
        data.object_classes,
        data.budget_year,
        detail,
        subtotal_by_account=True,
    )
    write_program(workbook, data, detail)
    write_staffing(workbook, data, detail)
    write_travel(workbook, data.travel, data.budget_year)
    if data.spend_plan is not None:
        write_spend_plan(workbook, data.spend_plan, data.scenario)
    write_about(workbook, data, detail)
    written_first = workbook.worksheets[:first]  # Detail (then Lists) go before About, Lists last
    rest = workbook.worksheets[first:]
    workbook._sheets = [*rest[:-1], written_first[0], rest[-1], *written_first[1:]]  # no public way in write-only
    return detail.checksum


def _discard(workbook: Workbook) -> None:
    """After a failed write, end each sheet's stream and delete its temporary file now, not at exit."""
    for ws in workbook.worksheets:
        with contextlib.suppress(Exception):  # already failing: keep the original error
            if not ws.closed:
                ws.close()
            ws._writer.cleanup()  # openpyxl's own clean-up step, which save() would have run
