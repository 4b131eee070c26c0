"""Clone the plan, change a line, compare the two, export, import an edited workbook, commit."""

from __future__ import annotations

import re
from decimal import Decimal

import sqlalchemy as sa
from browser import navigate
from helpers import DEMO_PASSWORD
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from models import BudgetLine, Scenario, db


def test_clone_compare_export_import(page: Page, live_server, tmp_path):
    base = live_server.url
    page.goto(f"{base}/login", wait_until="load")
    page.get_by_label("Email").fill("rm@example.gov")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    navigate(page, page.get_by_role("button", name="Sign in").click)

    plan_id = live_server.read(lambda: db.session.scalar(sa.select(Scenario.id).where(Scenario.name == "FY2027 plan")))
    page.goto(f"{base}/scenarios/{plan_id}", wait_until="load")
    page.get_by_label("Name of the copy").fill("FY2027 plan, 10% cut")
    navigate(page, page.get_by_role("button", name="Clone with every line").click)
    expect(page.get_by_role("heading", level=1)).to_have_text("FY2027 plan, 10% cut")
    copy_id = int(re.search(r"/scenarios/(\d+)", page.url).group(1))

    # Change one line of the copy through the editor.
    line_id = live_server.read(
        lambda: db.session.scalar(
            sa.select(BudgetLine.id).where(BudgetLine.scenario_id == copy_id).order_by(BudgetLine.amount_cents.desc())
        )
    )
    page.goto(f"{base}/lines/{line_id}/edit", wait_until="load")
    page.get_by_label("Amount (dollars)").fill("1000")
    navigate(page, page.get_by_role("button", name="Save").click)
    expect(page.locator(".app-flashes")).to_contain_text(f"Budget line {line_id} saved.")

    # Compare: exactly one difference, shown with its sign.
    page.goto(f"{base}/scenarios/compare?a={plan_id}&b={copy_id}&by=appropriation,object_class", wait_until="load")
    table = page.get_by_test_id("comparison")
    expect(table).to_be_visible()
    expect(table.locator("tbody td.is-negative")).to_have_count(1)

    # Export the copy, edit one amount in the workbook, import it.
    page.goto(f"{base}/scenarios/{copy_id}", wait_until="load")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the submission workbook").click()
    path = tmp_path / "copy.xlsx"
    download.value.save_as(path)
    workbook = load_workbook(path)
    sheet = workbook["Detail"]
    header = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[header.index("Line id")].value == line_id:
            row[header.index("Amount")].value = Decimal("2500.25")
    edited = tmp_path / "edited.xlsx"
    workbook.save(edited)
    page.locator("input[type=file][name=file]").set_input_files(str(edited))
    navigate(page, page.get_by_role("button", name="Upload and preview").click)
    expect(page.get_by_test_id("import-summary")).to_contain_text("1 changed")
    expect(page.get_by_test_id("import-changed")).to_contain_text("$2,500.25")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    navigate(page, page.get_by_role("button", name="Commit this change").click)
    assert asked == ["Write this change into FY2027 plan, 10% cut?"]  # one change, said as one
    expect(page.locator(".app-flashes")).to_contain_text("1 changed")
    assert live_server.read(lambda: db.session.get(BudgetLine, line_id).amount_cents) == 250_025
