"""The submission workbook reopened with openpyxl: structure, formats, formulas and text that stays text."""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
from export_samples import (
    BUDGET_YEAR,
    DETAIL_HEADER,
    HOSTILE,
    OBJECT_CLASSES,
    PRIORITIES,
    PROGRAM,
    PROGRAM_TYPES,
    REGIONS,
    SHEETS,
    SPEND_PLAN,
    STAFFING,
    SUMMARY,
    TRAVEL,
    detail_rows,
    sample_workbook,
    total,
    write_bytes,
    write_file,
)
from formulas import Evaluator

from exports import DetailRow, detail_checksum, parse_submission, write_submission
from exports.tables import safe_sheet_title

D = Decimal
ROOT = Path(__file__).resolve().parents[2]


def expected_text(value: str) -> str:
    """The writer's promise, restated: XML-illegal characters gone, \\r as \\n, at most 32,767 UTF-16 units."""
    text = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", "", value)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    units = text.encode("utf-16-le")
    return units[: 2 * 32_767].decode("utf-16-le", errors="ignore")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    rows = detail_rows(50)
    path, checksum = write_file(sample_workbook(detail=iter(rows)), tmp_path_factory.mktemp("writer"))
    workbook = openpyxl.load_workbook(path)
    return SimpleNamespace(rows=rows, checksum=checksum, path=path, wb=workbook, calc=Evaluator(workbook))


def test_sheets_come_in_order(exported):
    assert exported.wb.sheetnames == SHEETS


@pytest.mark.parametrize(
    ("sheet", "row", "headers"),
    [
        ("Summary", 4, ["Account", "Title", "FY 2025 Actual", "FY 2026 Enacted", "FY 2027 Request",
                        "Change from FY 2026", "% Change"]),
        ("Object class", 4, ["Account", "Object class", "Title", "FY 2025 Actual", "FY 2026 Enacted",
                             "FY 2027 Request", "Change from FY 2026", "% Change"]),
        ("Program", 4, ["Region", *PRIORITIES, "Total"]),
        ("Program", 10, ["Program type", *PRIORITIES, "Total"]),
        ("Staffing", 4, ["Position kind", "FY 2025 FTE", "FY 2026 FTE", "FY 2027 FTE", "FTE change",
                         "FY 2025 Cost", "FY 2026 Cost", "FY 2027 Cost", "Cost change"]),
        ("Travel", 4, ["Departs", "Division", "Traveler", "Title", "Destinations", "Status", "Amount"]),
        ("Spend plan", 4, ["Month", "INCLE FY2026", "ESF FY2027", "Total"]),
        ("Detail", 1, list(DETAIL_HEADER)),
        ("About", 1, ["Item", "Value"]),
    ],
)  # fmt: skip
def test_header_rows_are_styled(exported, sheet, row, headers):
    cells = next(iter(exported.wb[sheet].iter_rows(min_row=row, max_row=row, max_col=len(headers))))
    assert [cell.value for cell in cells] == headers
    assert all(cell.font.b and cell.fill.fgColor.rgb.endswith("D9E1F2") for cell in cells)


@pytest.mark.parametrize(
    ("sheet", "freeze", "titles"),
    [
        ("Summary", "C5", "4:4"),
        ("Object class", "D5", "4:4"),
        ("Program", "B5", "4:4"),
        ("Staffing", "B5", "4:4"),
        ("Travel", "A5", "4:4"),
        ("Spend plan", "B5", "4:4"),
        ("Detail", "A2", "1:1"),
        ("About", "A2", "1:1"),
    ],
)
def test_frozen_header_print_titles_and_page_setup(exported, sheet, freeze, titles):
    ws = exported.wb[sheet]
    assert ws.freeze_panes == freeze
    assert ws.print_title_rows.replace("$", "") == titles
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth in (None, 1)  # absent is 1, the schema's default
    assert ws.oddFooter.center.text == "&A, page &P of &N"


def column_layout(ws) -> dict[str, tuple[float, bool]]:
    """Column letter → (width, hidden), as the file's <col> ranges give them (one range may span columns that
    look alike; openpyxl files such a range under its first letter only)."""
    get_letter = openpyxl.utils.get_column_letter
    return {
        get_letter(number): (dimension.width, bool(dimension.hidden))
        for dimension in ws.column_dimensions.values()
        for number in range(dimension.min, dimension.max + 1)
    }


@pytest.mark.parametrize("sheet", SHEETS)
def test_every_used_column_has_a_width(exported, sheet):
    ws = exported.wb[sheet]
    layout = column_layout(ws)
    for column in range(1, ws.max_column + 1):
        letter = openpyxl.utils.get_column_letter(column)
        assert layout[letter][0] >= 8, (sheet, letter)


def test_line_id_and_version_columns_are_hidden(exported):
    layout = column_layout(exported.wb["Detail"])
    assert layout["A"][1]
    assert layout["B"][1]
    assert not any(layout[letter][1] for letter in "CDEFGHIJKLMN")


def test_detail_has_an_autofilter_over_its_rows(exported):
    assert exported.wb["Detail"].auto_filter.ref == f"A1:N{len(exported.rows) + 1}"


@pytest.mark.parametrize(
    ("sheet", "coordinate", "number_format"),
    [
        ("Summary", "C5", "#,##0.00"),
        ("Summary", "E8", "#,##0.00"),
        ("Summary", "F5", "#,##0.00"),
        ("Summary", "G5", "0.0%"),
        ("Summary", "G8", "0.0%"),
        ("Object class", "D5", "#,##0.00"),
        ("Object class", "H14", "0.0%"),
        ("Program", "B5", "#,##0.00"),
        ("Program", "F8", "#,##0.00"),
        ("Staffing", "B5", "0.00"),
        ("Staffing", "E7", "0.00"),
        ("Staffing", "F5", "#,##0.00"),
        ("Travel", "A5", "yyyy-mm-dd"),
        ("Travel", "G7", "#,##0.00"),
        ("Spend plan", "B5", "#,##0.00"),
        ("Spend plan", "D8", "#,##0.00"),
        ("Detail", "N2", "#,##0.00"),
        ("About", "B12", "#,##0.00"),
    ],
)
def test_number_formats(exported, sheet, coordinate, number_format):
    assert exported.wb[sheet][coordinate].number_format == number_format


def formulas(ws, column: str, rows: range) -> list[str]:
    return [ws[f"{column}{row}"].value for row in rows]


def test_summary_totals_sum_exactly_the_account_rows(exported):
    ws = exported.wb["Summary"]
    assert [ws[f"A{row}"].value for row in range(5, 9)] == ["DP", "ESF", "INCLE", "Total"]
    assert [ws[f"{c}8"].value for c in "CDE"] == ["=SUM(C5:C7)", "=SUM(D5:D7)", "=SUM(E5:E7)"]
    assert formulas(ws, "F", range(5, 9)) == [f"=E{row}-D{row}" for row in range(5, 9)]
    assert formulas(ws, "G", range(5, 9)) == [f'=IF(D{row}=0,"",F{row}/D{row})' for row in range(5, 9)]
    assert ws["A8"].font.b
    assert ws["C8"].font.b


def test_object_classes_subtotal_each_account_and_total_the_subtotals(exported):
    ws = exported.wb["Object class"]
    labels = [(ws[f"A{row}"].value, ws[f"C{row}"].value) for row in range(5, 15)]
    assert [row for row, (_, title) in enumerate(labels, start=5) if title and title.startswith("Total")] == [8, 10, 13]
    assert labels[-1] == ("Total, all accounts", None)
    assert formulas(ws, "D", [8, 10, 13, 14]) == ["=SUM(D5:D7)", "=SUM(D9:D9)", "=SUM(D11:D12)", "=SUM(D8,D10,D13)"]
    assert formulas(ws, "G", range(5, 15)) == [f"=F{row}-E{row}" for row in range(5, 15)]


def test_program_matrix_totals_rows_and_columns(exported):
    ws = exported.wb["Program"]
    assert [ws[f"A{row}"].value for row in range(5, 9)] == [*REGIONS, "Total"]
    assert formulas(ws, "F", range(5, 8)) == [f"=SUM(B{row}:E{row})" for row in range(5, 8)]
    assert [ws[f"{c}8"].value for c in "BCDEF"] == [f"=SUM({c}5:{c}7)" for c in "BCDEF"]
    assert [ws[f"A{row}"].value for row in range(11, 16)] == [*PROGRAM_TYPES, "(none)", "Total"]
    assert [ws[f"{c}15"].value for c in "BCDEF"] == [f"=SUM({c}11:{c}14)" for c in "BCDEF"]
    assert ws["D6"].value == 0  # EAP × prevention has no money: a zero, not a gap


def test_staffing_and_travel_totals(exported):
    staffing, travel = exported.wb["Staffing"], exported.wb["Travel"]
    assert [staffing[f"{c}7"].value for c in "BCDEFGHI"] == [
        "=SUM(B5:B6)", "=SUM(C5:C6)", "=SUM(D5:D6)", "=D7-C7", "=SUM(F5:F6)", "=SUM(G5:G6)", "=SUM(H5:H6)", "=H7-G7",
    ]  # fmt: skip
    assert travel["G7"].value == "=SUM(G5:G6)"
    assert travel["A5"].value == datetime(2026, 10, 14)


def test_spend_plan_months_down_appropriations_across_totals_as_formulas(exported):
    ws = exported.wb["Spend plan"]
    assert "as of 2026-05-09" in ws["A2"].value
    assert [ws[f"A{row}"].value for row in range(5, 9)] == [*SPEND_PLAN.months, "Total"]
    for column, (_, amounts) in zip("BC", SPEND_PLAN.columns, strict=True):
        assert [Decimal(repr(ws[f"{column}{row}"].value)) for row in range(5, 8)] == list(amounts)
    assert formulas(ws, "D", range(5, 8)) == [f"=SUM(B{row}:C{row})" for row in range(5, 8)]
    assert [ws[f"{c}8"].value for c in "BCD"] == [f"=SUM({c}5:{c}7)" for c in "BCD"]
    calc = exported.calc
    assert calc.value("Spend plan", "B8") == total(SPEND_PLAN.columns[0][1])
    assert calc.value("Spend plan", "D8") == total([amount for _, amounts in SPEND_PLAN.columns for amount in amounts])


def test_every_total_and_change_equals_the_decimal_sums(exported):
    calc = exported.calc
    for row, item in enumerate(SUMMARY, start=5):
        assert calc.value("Summary", f"F{row}") == item.by - item.cy
        assert calc.value("Summary", f"G{row}") == ("" if item.cy == 0 else (item.by - item.cy) / item.cy)
    by_year = [total([getattr(item, year) for item in SUMMARY]) for year in ("py", "cy", "by")]
    assert [calc.value("Summary", f"{c}8") for c in "CDE"] == by_year
    assert calc.value("Summary", "F8") == by_year[2] - by_year[1]
    grand = [total([getattr(item, year) for item in OBJECT_CLASSES]) for year in ("py", "cy", "by")]
    assert [calc.value("Object class", f"{c}14") for c in "DEF"] == grand
    assert calc.value("Object class", "D8") == total([item.py for item in OBJECT_CLASSES if item.label[0] == "DP"])

    cells: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for region, priority, _, amount in PROGRAM:
        cells[region, priority] += amount
    for row, region in enumerate(REGIONS, start=5):
        assert calc.value("Program", f"F{row}") == total([cells[region, p] for p in PRIORITIES])
    for column, priority in zip("BCDE", PRIORITIES, strict=True):
        assert calc.value("Program", f"{column}8") == total([cells[r, priority] for r in REGIONS])
    program_total = total([amount for *_, amount in PROGRAM])
    assert calc.value("Program", "F8") == calc.value("Program", "F15") == program_total

    assert calc.value("Staffing", "E7") == total([s.fte_by for s in STAFFING]) - total([s.fte_cy for s in STAFFING])
    assert calc.value("Staffing", "I7") == total([s.cost_by - s.cost_cy for s in STAFFING])
    assert calc.value("Travel", "G7") == total([trip.amount for trip in TRAVEL])
    assert calc.value("About", "B12") == total([row.amount for row in exported.rows])


def test_user_text_reads_back_as_text(exported):
    ws = exported.wb["Detail"]
    for sheet_row, row in enumerate(exported.rows, start=2):
        cell = ws[f"K{sheet_row}"]
        assert cell.data_type == "s"
        assert cell.value == (expected_text(row.description) or None)
        risky = cell.value and (cell.value[0] in "=+-@\t" or cell.value == "#N/A")
        assert cell.quotePrefix == bool(risky), cell.value[:20]
    travel = exported.wb["Travel"]
    assert (travel["C6"].value, travel["C6"].data_type, travel["D6"].value) == ("=cmd|' /C calc'!A0", "s", "@SUM(A1)")
    assert exported.wb["About"]["B10"].value == "=all divisions"


def test_no_user_text_became_a_formula_in_the_file(exported):
    with zipfile.ZipFile(exported.path) as archive:
        detail = archive.read("xl/worksheets/sheet7.xml")
        travel = archive.read("xl/worksheets/sheet5.xml")
    assert b"<f>" not in detail
    assert b"<f>" not in travel.split(b'r="G7"')[0]
    assert b"HYPERLINK" in detail  # it is there, as text


def test_illegal_characters_are_dropped_and_long_text_cut_to_excels_limit(exported):
    texts = {cell.value for cell in exported.wb["Detail"]["K"] if cell.value}
    assert "bell and nul and escape" in texts
    assert "verticaltabform feed, kept: tab\t newline\n return\n" in texts
    assert "lone surrogate  and non-characters " in texts
    assert "x" * 32_767 in texts
    assert "\U0001f4b0" * 16_383 in texts  # 32,766 UTF-16 units: a 16,384th would split a pair


def canonical(row: DetailRow) -> str:
    """The checksum's documented canonical form, written out independently of exports.detail."""

    def text(value: str | None) -> str | None:
        return expected_text(value) or None if value is not None else None

    return json.dumps(
        [row.line_id, row.version, row.fiscal_year, text(row.appropriation), text(row.division),
         text(row.object_class), text(row.region), text(row.country), text(row.priority), text(row.program_type),
         text(row.description), text(row.stage), text(row.source), f"{row.amount:.2f}"],
        ensure_ascii=False, separators=(",", ":"),
    )  # fmt: skip


def test_checksum_is_sha256_of_the_canonical_rows(exported):
    expected = hashlib.sha256("".join(canonical(row) + "\n" for row in exported.rows).encode()).hexdigest()
    assert exported.checksum == expected == detail_checksum(exported.rows)
    assert exported.wb["About"]["B13"].value == expected


def test_about_sheet_says_what_the_file_is(exported):
    about = {row[0]: row[1] for row in exported.wb["About"].iter_rows(min_row=2, max_col=2, values_only=True) if row[0]}
    assert about["Scenario"] == "FY2027 request"
    assert about["Budget year"] == f"FY {BUDGET_YEAR}"
    assert about["PY actual scenario"] == "FY2025 actual"
    assert about["CY enacted scenario"] == "FY2026 enacted"
    assert about["Exported by"] == "Rita Manager <rita@example.gov>"
    assert about["Exported at"] == "2026-05-09 14:03:07 UTC"
    assert about["App version"] == "Apportion 0.1.0"
    assert about["Filter: scenario"] == "FY2027 request"
    assert about["Detail rows"] == 50
    assert about["Detail total"] == "=SUM(Detail!N:N)"
    assert about["Detail checksum (SHA-256)"] == exported.checksum
    notes = " ".join(row[1] for row in exported.wb["About"].iter_rows(min_row=15, values_only=True) if row[1])
    assert "Line id and Version" in notes
    assert "preview" in notes


def test_document_properties_name_the_scenario_and_the_export_time(exported):
    properties = exported.wb.properties
    assert properties.title == f"FY {BUDGET_YEAR} budget submission: FY2027 request"
    assert properties.creator == "Apportion"
    assert properties.created == datetime(2026, 5, 9, 14, 3, 7)  # UTC, as About says


def test_a_timezone_aware_export_time_is_shown_in_utc(tmp_path):
    eastern = timezone(timedelta(hours=-4))
    data = sample_workbook(detail=[], exported_at=datetime(2026, 5, 9, 10, 3, 7, tzinfo=eastern))
    path, _ = write_file(data, tmp_path)
    assert openpyxl.load_workbook(path)["About"]["B7"].value == "2026-05-09 14:03:07 UTC"
    assert datetime(2026, 5, 9, 10, 3, 7, tzinfo=eastern).astimezone(UTC).hour == 14


def test_detail_streams_from_a_generator_read_once(tmp_path):
    consumed = []

    def rows():
        for row in detail_rows(500, hostile=False):
            consumed.append(row)
            yield row

    path, checksum = write_file(sample_workbook(detail=rows()), tmp_path)
    assert len(consumed) == 500
    assert checksum == detail_checksum(consumed)
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        assert sum(1 for _ in workbook["Detail"].iter_rows()) == 501
    finally:
        workbook.close()  # a read-only workbook keeps its file open until closed


def test_an_empty_scenario_still_makes_a_sound_workbook(tmp_path):
    data = sample_workbook(detail=[], summary=[], object_classes=[], program=[], staffing=[], travel=[])
    path, checksum = write_file(data, tmp_path)
    workbook = openpyxl.load_workbook(path)
    calc = Evaluator(workbook)
    assert workbook["Summary"]["C5"].value == "=0"  # no account rows: no range that could swallow the header
    assert calc.value("Summary", "F5") == 0
    assert calc.value("Program", "F8") == 0  # regions and priorities still listed, all zero
    assert workbook["Detail"].auto_filter.ref == "A1:N1"
    assert checksum == hashlib.sha256(b"").hexdigest()


def test_writes_to_a_path_a_string_or_an_open_stream(tmp_path):
    data = sample_workbook(detail=detail_rows(5, hostile=False))
    stream = io.BytesIO()
    with tempfile.SpooledTemporaryFile(max_size=1024) as spool:  # what the download view streams from
        checksums = {
            write_submission(data, tmp_path / "a.xlsx"),
            write_submission(data, str(tmp_path / "b.xlsx")),
            write_submission(data, stream),
            write_submission(data, spool),
        }
        spool.seek(0)
        assert spool.read(2) == b"PK"
    assert len(checksums) == 1
    assert not stream.closed
    assert stream.getvalue()[:2] == b"PK"
    assert Path(tmp_path / "b.xlsx").stat().st_size > 0


def test_many_accounts_nest_the_grand_total_within_excels_argument_limit(tmp_path):
    rows = [
        SUMMARY[0].__class__((f"A{n:03d}", "41.0", "Grants"), D(n), D(n), D(n))  # 300 accounts, one class each
        for n in range(300)
    ]
    path, _ = write_file(sample_workbook(detail=[], object_classes=rows), tmp_path)
    workbook = openpyxl.load_workbook(path)
    grand = workbook["Object class"]["D605"].value
    assert grand.startswith("=SUM(SUM(D6,D8,")
    assert grand.count("SUM(") == 3
    assert Evaluator(workbook).value("Object class", "D605") == sum(range(300))


@pytest.mark.parametrize("amount", [D("10000000000000.00"), D("-1E+30"), D("NaN"), D("Infinity")])
def test_an_amount_excel_cannot_hold_to_the_cent_is_refused(amount):
    row = replace(detail_rows(1, hostile=False)[0], amount=amount)
    with pytest.raises(ValueError, match="to the cent"):
        write_bytes(sample_workbook(detail=[row]))


def test_a_failed_write_leaves_no_file_and_no_temporary_files(tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"  # where the writer streams each sheet's rows before zipping them
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    rows = detail_rows(3, hostile=False)
    too_large = [*rows[:2], replace(rows[2], amount=D("10000000000000.00"))]
    with pytest.raises(ValueError, match="to the cent"):
        write_submission(sample_workbook(detail=too_large), tmp_path / "refused.xlsx")
    with pytest.raises(FileNotFoundError):  # an OSError, as the export command expects for --out
        write_submission(sample_workbook(detail=rows), tmp_path / "no such folder" / "out.xlsx")
    assert list(scratch.iterdir()) == []
    assert not (tmp_path / "refused.xlsx").exists()


def test_a_name_like_an_excel_function_call_stays_text_in_the_sumifs(tmp_path):
    # XlsxWriter rewrites FILTER( and MAP( anywhere in a formula, as newer Excel functions.
    odd = "FILTER(1) MAP(x) *"
    rows = [replace(row, appropriation=odd) if n % 2 else row for n, row in enumerate(detail_rows(10, hostile=False))]
    summary = [SUMMARY[0].__class__(("ODD", "Odd"), D(0), D(0), D(0), {"appropriation": [odd]})]
    path, _ = write_file(sample_workbook(detail=rows, summary=summary), tmp_path)
    with zipfile.ZipFile(path) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    assert b"_xlfn" not in sheet
    assert b'cm="1"' not in sheet  # not made a dynamic array formula
    workbook = openpyxl.load_workbook(path)
    assert workbook["Summary"]["E5"].value.startswith("=SUMIFS(")
    assert Evaluator(workbook).value("Summary", "E5") == total([row.amount for row in rows[1::2]])


def test_text_that_looks_like_an_excel_escape_is_stored_escaped_so_excel_shows_it_as_typed(tmp_path):
    row = replace(detail_rows(1, hostile=False)[0], description="code _x0041_ here")
    path, _ = write_file(sample_workbook(detail=[row]), tmp_path)
    with zipfile.ZipFile(path) as archive:
        detail = archive.read("xl/worksheets/sheet7.xml")
    assert b"code _x005F_x0041_ here" in detail  # Excel reads _x0041_ as "A"; the escaped form as typed
    (imported,) = parse_submission(path.read_bytes()).rows
    assert imported.description == "code _x0041_ here"  # and it comes back as typed


@pytest.mark.parametrize(
    ("title", "safe"),
    [
        ("Summary", "Summary"),
        ("a/b\\c?d*e[f]g:h", "a-b-c-d-e-f-g-h"),
        ("'quoted'", "quoted"),
        ("x" * 40, "x" * 31),
        ("History", "Sheet History"),
        ("", "Sheet"),
    ],
)
def test_safe_sheet_titles(title, safe):
    assert safe_sheet_title(title) == safe


def test_hostile_samples_cover_the_formula_triggers():
    assert {text[0] for text in HOSTILE} >= set("=+-@\t\r#")


def test_object_classes_are_grouped_by_account_whatever_their_order(tmp_path):
    shuffled = [OBJECT_CLASSES[i] for i in (3, 0, 4, 1, 5, 2)]  # ESF, DP, INCLE, DP, INCLE, DP
    path, _ = write_file(sample_workbook(detail=[], object_classes=shuffled), tmp_path)
    ws = openpyxl.load_workbook(path)["Object class"]
    assert [ws[f"C{row}"].value for row in (6, 10, 13)] == ["Total, ESF", "Total, DP", "Total, INCLE"]
    assert [ws[f"A{row}"].value for row in range(7, 10)] == ["DP", "DP", "DP"]


def test_the_package_needs_no_flask_and_no_database():
    code = (
        "import sys, exports; print(sorted({m.split('.')[0] for m in sys.modules} & {'flask', 'sqlalchemy', 'models'}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert result.stdout.strip() == "[]"
