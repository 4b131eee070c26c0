"""Export, edit as a resource manager would in Excel (here with openpyxl), parse: the rows are the edited content."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

import openpyxl
import pytest
from export_samples import detail_rows, sample_workbook, write_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exports import CellError, DetailRow, ImportedRow, parse_submission
from exports.cells import MAX_EXACT_MONEY, clean_text

D = Decimal
money = st.decimals(min_value=0, max_value=MAX_EXACT_MONEY, places=2, allow_nan=False, allow_infinity=False)
FIELDS = ("line_id", "version", "fiscal_year", "appropriation", "division", "object_class", "region", "country",
          "priority", "program_type", "description", "stage", "amount")  # fmt: skip


def as_imported(row: DetailRow, sheet_row: int) -> ImportedRow:
    return ImportedRow(sheet_row=sheet_row, **{field: getattr(row, field) for field in FIELDS})


@pytest.fixture(scope="module")
def original() -> list[DetailRow]:
    return detail_rows(60, hostile=False)


@pytest.fixture(scope="module")
def exported(original) -> tuple[bytes, str]:
    return write_bytes(sample_workbook(detail=original))


def edited(data: bytes, edit: Callable[[openpyxl.Workbook], None]) -> bytes:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    edit(workbook)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_an_unedited_export_reads_back_exactly(original, exported):
    data, checksum = exported
    parsed = parse_submission(data)
    assert parsed.errors == ()
    assert list(parsed.rows) == [as_imported(row, n) for n, row in enumerate(original, start=2)]
    assert all(isinstance(row.amount, Decimal) and row.amount.as_tuple().exponent == -2 for row in parsed.rows)
    assert parsed.checksum_in_file == checksum
    assert parsed.scenario_in_file == "FY2027 request"


def test_formula_like_text_and_unicode_survive_the_round_trip():
    texts = ["=SUM(A1:A9)", "+1", "-2", "@cmd", "\t=tab", "#N/A", "  spaced  ", "line\nbreak", "ünï — “q” 中文", ""]
    rows = [
        replace(row, description=text) for row, text in zip(detail_rows(len(texts), hostile=False), texts, strict=True)
    ]
    parsed = parse_submission(write_bytes(sample_workbook(detail=rows))[0])
    assert [row.description for row in parsed.rows] == texts


def test_changed_added_and_deleted_rows_read_back_as_edited(original, exported):
    def edit(workbook: openpyxl.Workbook) -> None:
        ws = workbook["Detail"]
        ws["N3"] = 1234.5  # change an amount (Excel stores the typed number)
        ws["K4"] = "Revised description"
        ws["D4"] = "ESF FY2027"
        ws.delete_rows(6)  # delete the line on sheet row 6
        ws.append([None, None, 2028, "DP FY2027", "RMP", "21.0", None, None, None, None, "Added in Excel", None,
                   None, 777.07])  # fmt: skip

    parsed = parse_submission(edited(exported[0], edit))
    expected = [as_imported(row, n) for n, row in enumerate(original, start=2)]
    expected[1] = replace(expected[1], amount=D("1234.50"))
    expected[2] = replace(expected[2], description="Revised description", appropriation="ESF FY2027")
    del expected[4]
    expected = [replace(row, sheet_row=n) for n, row in enumerate(expected, start=2)]
    added = ImportedRow(len(expected) + 2, None, None, 2028, "DP FY2027", "RMP", "21.0", None, None, None, None,
                        "Added in Excel", None, D("777.07"))  # fmt: skip
    assert parsed.errors == ()
    assert list(parsed.rows) == [*expected, added]


def test_values_excel_retyped_as_numbers_or_text_are_understood(exported):
    def edit(workbook: openpyxl.Workbook) -> None:
        ws = workbook["Detail"]
        ws["F2"] = 41  # someone typed 41.0 into Object class: Excel keeps the number 41
        ws["F3"] = 11.1
        ws["C2"] = "2028"  # a year stored as text
        ws["N2"] = "1234.50"  # an amount stored as text
        ws["N3"] = 15  # a whole number of dollars
        ws["D3"] = "  INCLE FY2027  "  # stray spaces around a code

    rows = parse_submission(edited(exported[0], edit)).rows
    assert (rows[0].object_class, rows[0].fiscal_year, rows[0].amount) == ("41.0", 2028, D("1234.50"))
    assert (rows[1].object_class, rows[1].amount, rows[1].appropriation) == ("11.1", D("15.00"), "INCLE FY2027")


def test_blank_rows_and_a_totals_row_added_below_are_skipped(original, exported):
    last = len(original) + 1

    def edit(workbook: openpyxl.Workbook) -> None:
        ws = workbook["Detail"]
        ws.insert_rows(10, amount=2)  # two blank rows in the middle
        ws.cell(last + 4, 11, "Total")
        ws.cell(last + 4, 14, f"=SUM(N2:N{last + 2})")
        ws.cell(last + 5, 11, "  ")  # only spaces: blank

    parsed = parse_submission(edited(exported[0], edit))
    assert parsed.errors == ()
    assert len(parsed.rows) == len(original)
    assert [row.sheet_row for row in parsed.rows][7:9] == [9, 12]


def test_every_problem_is_reported_by_sheet_row_and_column(exported):
    def edit(workbook: openpyxl.Workbook) -> None:
        ws = workbook["Detail"]
        ws["N2"] = 12.345
        ws["N3"] = -5
        ws["N4"] = "=N2*2"
        ws["C5"] = "FY27"
        ws["D5"] = None
        ws["A6"] = None  # line id cleared but version kept
        ws["K7"] = "y" * 501
        ws["N8"] = True

    parsed = parse_submission(edited(exported[0], edit))
    found = {(error.sheet, error.row, error.column) for error in parsed.errors}
    assert found == {
        ("Detail", 2, "Amount"),
        ("Detail", 3, "Amount"),
        ("Detail", 4, "Amount"),
        ("Detail", 5, "Fiscal year"),
        ("Detail", 5, "Appropriation"),
        ("Detail", 6, "Line id"),
        ("Detail", 7, "Description"),
        ("Detail", 8, "Amount"),
    }
    messages = {(error.row, error.column): error.message for error in parsed.errors}
    assert "more than two decimal places" in messages[2, "Amount"]
    assert "negative" in messages[3, "Amount"]
    assert "formula" in messages[4, "Amount"]
    assert "=N2*2" in messages[4, "Amount"]
    assert "required" in messages[5, "Appropriation"]
    assert "501" in messages[7, "Description"]
    assert all(isinstance(error, CellError) for error in parsed.errors)
    assert {row.sheet_row for row in parsed.rows}.isdisjoint({2, 3, 4, 5, 6, 7, 8})


def test_a_workbook_without_its_about_sheet_still_parses(exported):
    parsed = parse_submission(edited(exported[0], lambda workbook: workbook.remove(workbook["About"])))
    assert (parsed.checksum_in_file, parsed.scenario_in_file) == (None, None)
    assert parsed.errors == ()
    assert parsed.rows


def test_header_names_match_whatever_their_case(exported):
    parsed = parse_submission(edited(exported[0], lambda workbook: workbook["Detail"].cell(1, 11, "DESCRIPTION ")))
    assert parsed.errors == ()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(st.text(max_size=80), min_size=1, max_size=4), amounts=st.lists(money, min_size=4, max_size=4))
def test_any_text_and_amount_read_back_as_written(texts, amounts):
    rows = [
        replace(row, description=text, amount=amount)
        for row, text, amount in zip(detail_rows(len(texts), hostile=False), texts, amounts, strict=False)
    ]
    parsed = parse_submission(write_bytes(sample_workbook(detail=rows))[0])
    assert parsed.errors == ()
    assert [row.description for row in parsed.rows] == [clean_text(text) for text in texts]
    assert [row.amount for row in parsed.rows] == [row.amount for row in rows]
