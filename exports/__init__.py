"""Excel in and out, with no Flask and no database: plain dataclasses in, .xlsx bytes out, and back.

- `write_submission(SubmissionWorkbook, out)`: the budget submission workbook.
- `parse_submission(bytes)`: an edited copy read back, safely, for a preview.
"""

from exports.detail import detail_checksum
from exports.errors import ImportRejected
from exports.importer import CellError, ImportedRow, ParsedWorkbook, parse_submission
from exports.limits import LIMITS, Limits
from exports.rows import ColumnsRow, DetailRow, SpendPlanTable, StaffingRow, SubmissionWorkbook, TripRow
from exports.submission import write_submission

__all__ = [
    "LIMITS",
    "CellError",
    "ColumnsRow",
    "DetailRow",
    "ImportRejected",
    "ImportedRow",
    "Limits",
    "ParsedWorkbook",
    "SpendPlanTable",
    "StaffingRow",
    "SubmissionWorkbook",
    "TripRow",
    "detail_checksum",
    "parse_submission",
    "write_submission",
]
