"""Benchmark the submission workbook: export of a large scenario and the import preview's parse.

Run by hand from the repository root:

    .venv/bin/python bench/bench_exports.py [--rows 100000] [--no-tracemalloc]

Each measurement runs in a fresh interpreter, so peak memory is its own:
1. write_submission (XlsxWriter, constant_memory, every sheet) of N synthetic detail lines;
2. the reference: the same Detail rows, formats, filter and drop-downs written by plain XlsxWriter
   in constant_memory mode (see write_xlsxwriter for what it covers), and the export's ratio to it
   in CPU time, beside the target;
3. parse_submission of the file from 1 (what the import preview does);
4. the parse's reference: a bare openpyxl read-only pass over that file (every row of every sheet,
   values only), and the parse's ratio to it in CPU time, beside the target;
5. with --libreoffice, parse_submission of that file after LibreOffice re-saved it: shared
   strings and a <dimension>, as a workbook edited in Excel or Calc comes back.
Reported: wall and CPU time, peak RSS of the process and how much the task
grew it (getrusage), and with tracemalloc the peak of Python allocations (a
second, slower run). CPU time is the steadier figure on a shared machine.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere

from exports import ColumnsRow, DetailRow, StaffingRow, SubmissionWorkbook, TripRow, parse_submission, write_submission
from exports.detail import DETAIL_COLUMNS, Kind

ACCOUNTS = ["INCLE FY2027", "ESF FY2027", "DP FY2027", "INCLE FY2026"]
DIVISIONS = ["RPA", "IP", "PEMA", "RMP"]
OBJECT_CLASSES = ["11.1", "12.1", "21.0", "25.1", "25.2", "26.0", "31.0", "41.0"]
REGIONS = ["AF", "EAP", "EUR", "NEA", "SCA", "WHA"]
PRIORITIES = ["prosecution", "protection", "prevention", "partnership"]
PROGRAM_TYPES = ["bilateral", "regional", "cpc", "ttaa", "eva"]


def detail(count: int, seed: int = 2027) -> Iterator[DetailRow]:
    """Synthetic lines shaped like a plan scenario's, generated lazily as the service does."""
    rng = random.Random(seed)
    for n in range(count):
        region = rng.choice(REGIONS)
        yield DetailRow(
            line_id=n + 1,
            version=rng.randint(1, 5),
            fiscal_year=2027 + rng.randrange(3),
            appropriation=rng.choice(ACCOUNTS),
            division=rng.choice(DIVISIONS),
            object_class=rng.choice(OBJECT_CLASSES),
            region=region,
            country=f"{region}{rng.randrange(40):02d}"[:3] if rng.random() < 0.8 else None,
            priority=rng.choice(PRIORITIES),
            program_type=rng.choice(PROGRAM_TYPES),
            description=f"Line {n}: {rng.choice(['grant', 'travel', 'salary', 'contract'])} {rng.randrange(10**6)}",
            stage=rng.choice(["planned", "committed", "obligated"]),
            source=rng.choice(["manual", "travel", "staffing", "allocation"]),
            amount=Decimal(rng.randrange(100, 50_000_000)) / 100,
        )


def workbook(count: int) -> SubmissionWorkbook:
    money = [Decimal(n * 1_000_003) / 100 for n in range(1, 50)]
    return SubmissionWorkbook(
        scenario="FY2027 request",
        budget_year=2027,
        py_scenario="FY2025 actual",
        cy_scenario="FY2026 enacted",
        exported_by="Bench <bench@example.gov>",
        exported_at=datetime(2026, 5, 9, 12, 0),
        app_version="bench",
        filters={"scenario": "FY2027 request"},
        summary=[
            ColumnsRow((code, code), money[i], money[i + 1], money[i + 2], {"appropriation": [code]})
            for i, code in enumerate(ACCOUNTS)
        ],
        object_classes=[
            ColumnsRow(
                (account.split()[0], oc),
                money[i],
                money[j],
                money[i + j],
                {"appropriation": [account], "object_class": [oc]},
            )
            for i, account in enumerate(ACCOUNTS)
            for j, oc in enumerate(OBJECT_CLASSES)
        ],
        payroll=[
            ColumnsRow(
                (division,),
                money[i],
                money[i + 1],
                money[i + 2],
                {"division": [division], "object_class": ["11.1", "12.1"]},
            )
            for i, division in enumerate(DIVISIONS)
        ],
        lists={
            "appropriation": ACCOUNTS,
            "division": DIVISIONS,
            "object_class": OBJECT_CLASSES,
            "region": REGIONS,
            "priority": PRIORITIES,
            "program_type": PROGRAM_TYPES,
        },
        program=[
            (region, priority, program_type, money[n % 40])
            for n, (region, priority, program_type) in enumerate(itertools.product(REGIONS, PRIORITIES, PROGRAM_TYPES))
        ],
        regions=REGIONS,
        priorities=PRIORITIES,
        program_types=PROGRAM_TYPES,
        staffing=[StaffingRow("Civil Service", *(Decimal(n) for n in (10, 11, 12, 1_500_000, 1_600_000, 1_700_000)))],
        travel=[TripRow(date(2027, 1, 5), "IP", "A. Traveler", "Site visit", "Lagos", "approved", Decimal("5123.45"))],
        detail=detail(count),
    )


def write_xlsxwriter(path: Path, count: int) -> None:
    """The reference: XlsxWriter constant_memory through its public API, writing what our export's Detail and
    Lists sheets hold: the same rows (the same generator), formats (styled header, money format, the
    quote-prefix style on text that could be evaluated, widths, hidden columns, frozen header, print setup),
    autofilter, the hidden Lists sheet and Detail's drop-downs over it. Not written: the other sheets (some
    200 cells of SUMIFS and totals, well under 0.1% of the cells), and none of our own work on each row
    (cleaning text, checking amounts, the checksum): that is part of what the ratio measures."""
    import xlsxwriter

    from exports.cells import ERROR_CODES, FORMULA_TRIGGERS
    from exports.detail import LIST_HEADERS, SPARE_ROWS
    from exports.rows import LIST_FIELDS

    lists = workbook(0).lists
    assert lists is not None
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Detail")
    names = book.add_worksheet("Lists")
    header = book.add_format({"bold": True, "bg_color": "#D9E1F2", "pattern": 1, "bottom": 1, "valign": "vcenter"})
    money = book.add_format({"num_format": "#,##0.00"})
    quoted = book.add_format({"quote_prefix": True})
    for ws, header_cells, widths in (
        (sheet, [column.header for column in DETAIL_COLUMNS], [(c.width, c.hidden) for c in DETAIL_COLUMNS]),
        (names, [LIST_HEADERS[field] for field in LIST_FIELDS], [(40, False)] * len(LIST_FIELDS)),
    ):
        for index, (width, hidden) in enumerate(widths):
            ws.set_column(index, index, width, None, {"hidden": True} if hidden else None)
        ws.freeze_panes(1, 0)
        ws.repeat_rows(0)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.set_footer("&C&A, page &P of &N")
        ws.write_row(0, 0, header_cells, header)
    for row_index, row in enumerate(detail(count), start=1):
        for col_index, column in enumerate(DETAIL_COLUMNS):
            value = getattr(row, column.field)
            if value is None:
                continue
            if column.kind is Kind.MONEY:
                sheet.write_number(row_index, col_index, value, money)
            elif isinstance(value, int):
                sheet.write_number(row_index, col_index, value)
            elif value.startswith(FORMULA_TRIGGERS) or value in ERROR_CODES:
                sheet.write_string(row_index, col_index, value, quoted)  # never a formula, nor one when edited
            else:
                sheet.write_string(row_index, col_index, value)
    sheet.autofilter(0, 0, count, len(DETAIL_COLUMNS) - 1)
    names.hide()
    columns = [lists[field] for field in LIST_FIELDS]
    for row_index, values in enumerate(itertools.zip_longest(*columns), start=1):
        for col_index, value in enumerate(values):
            if value is not None:
                names.write_string(row_index, col_index, value)
    for index, field in enumerate(LIST_FIELDS):
        letter = xlsxwriter.utility.xl_col_to_name(index)
        column = next(n for n, c in enumerate(DETAIL_COLUMNS) if c.field == field)
        source = f"=Lists!${letter}$2:${letter}${len(lists[field]) + 1}"
        message = f"Choose a {LIST_HEADERS[field].lower()} from the list."
        sheet.data_validation(1, column, count + SPARE_ROWS, column, {"validate": "list", "source": source,
                              "error_title": LIST_HEADERS[field], "error_message": message})  # fmt: skip
    book.close()


def read_bare(path: Path) -> int:
    """The import's reference: openpyxl read-only, every row of every sheet, values only. Cells seen."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=False)
    try:
        return sum(len(row) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True))
    finally:
        book.close()


def measure(task: str, path: Path, count: int, trace: bool) -> dict:
    """Run one task in this process and describe its cost."""
    if trace:
        tracemalloc.start()
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    extra: dict = {}
    if task == "openpyxl":  # the export (the task's name is from before it moved to XlsxWriter)
        write_submission(workbook(count), path)
    elif task == "xlsxwriter":
        write_xlsxwriter(path, count)
    elif task == "parse":
        parsed = parse_submission(path.read_bytes())
        extra = {"rows": len(parsed.rows), "errors": len(parsed.errors)}
    elif task == "bare-read":
        extra = {"cells": read_bare(path)}
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    result = {
        "seconds": round(seconds, 1),
        "cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 2),
        "peak_rss_mib": round(after.ru_maxrss / 1024, 1),
        "rss_growth_mib": round((after.ru_maxrss - before.ru_maxrss) / 1024, 1),
        **extra,
    }
    if trace:
        result["traced_mib"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
    return result


def run(task: str, path: Path, count: int, trace: bool) -> dict:
    command = [sys.executable, __file__, "--measure", task, "--file", str(path), "--rows", str(count)]
    output = subprocess.run([*command, *(["--trace"] if trace else [])], capture_output=True, text=True, check=True)
    return json.loads(output.stdout)


def resave(path: Path, tmp: Path) -> Path:
    """The workbook opened and saved again by LibreOffice (a throwaway profile, so runs don't collide)."""
    outdir = tmp / "resaved"
    command = ["soffice", f"-env:UserInstallation={(tmp / 'profile').as_uri()}", "--headless", "--norestore",
               "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(outdir), str(path)]  # fmt: skip
    subprocess.run(command, capture_output=True, check=True, timeout=1800)
    return outdir / path.name


def describe(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    packed = path.stat().st_size
    return f"{packed / 2**20:.1f} MiB, unpacks to {unpacked / 2**20:.1f} MiB ({unpacked / packed:.0f}×)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--no-tracemalloc", action="store_true", help="skip the second, traced run of each task")
    parser.add_argument("--libreoffice", action="store_true", help="also parse the file as re-saved by LibreOffice")
    parser.add_argument("--measure", choices=["openpyxl", "xlsxwriter", "parse", "bare-read"], help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.file, args.rows, args.trace)))
        return

    with tempfile.TemporaryDirectory(prefix="bench-exports-") as tmp:
        ours, reference = Path(tmp) / "submission.xlsx", Path(tmp) / "reference.xlsx"
        print(f"{args.rows:,} detail lines; Python {sys.version.split()[0]}")
        export = report("export, write_submission (all sheets)", "openpyxl", ours, args)
        writer = report("reference, bare XlsxWriter (Detail and Lists)", "xlsxwriter", reference, args)
        print(f"  export: ratio {export['cpu_s'] / writer['cpu_s']:.2f} (target ≤ 1.1), CPU time")
        parse = report("import preview, parse_submission", "parse", ours, args)
        bare = report("reference, openpyxl read-only pass (all sheets)", "bare-read", ours, args)
        print(f"  import preview: ratio {parse['cpu_s'] / bare['cpu_s']:.2f} (target ≤ 1.1), CPU time")
        if args.libreoffice:
            report("the same, file re-saved by LibreOffice", "parse", resave(ours, Path(tmp)), args)
        print(f"  files: ours {describe(ours)}; reference {describe(reference)}")


def report(label: str, task: str, path: Path, args: argparse.Namespace) -> dict:
    figures = run(task, path, args.rows, trace=False)
    if not args.no_tracemalloc:
        figures["traced_mib"] = run(task, path, args.rows, trace=True)["traced_mib"]
    print(f"  {label:<48} {', '.join(f'{key} {value}' for key, value in figures.items())}")
    return figures


if __name__ == "__main__":
    main()
