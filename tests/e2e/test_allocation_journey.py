"""A resource manager goes from the FY2027 plan to an applied, explained allocation."""

from __future__ import annotations

import re

import sqlalchemy as sa
from browser import navigate, sign_in
from playwright.sync_api import Page, expect

from models import AllocationRun, BudgetLine, LineSource, db


def _applied_lines() -> list[BudgetLine]:
    return list(db.session.scalars(sa.select(BudgetLine).where(BudgetLine.source == LineSource.ALLOCATION)))


def test_plan_to_applied_allocation(page: Page, live_server):
    sign_in(page, live_server.url)
    navigate(
        page,
        page.get_by_role("navigation", name="Primary navigation")
        .get_by_role("link", name="Allocation", exact=True)
        .click,
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text("FY2027 plan")

    # A floor for Africa and a minimum share for protection, then run.
    page.get_by_label("AF floor").fill("20,000,000")
    page.get_by_label("protection minimum share (%)").fill("35")
    navigate(page, page.get_by_role("button", name="Run the allocation").click)
    expect(page.get_by_test_id("run-status")).to_contain_text("Optimal")

    matrix = page.get_by_test_id("allocation-matrix")
    africa_total = (
        matrix.locator("tbody tr", has=page.locator("th", has_text=re.compile(r"^AF$"))).locator("td").last.inner_text()
    )
    assert int(africa_total.replace("$", "").replace(",", "")) >= 20_000_000
    run = live_server.read(lambda: db.session.scalar(sa.select(AllocationRun).order_by(AllocationRun.id.desc())))
    cells = run.result["cells"]
    protection = sum(c["total"] for c in cells if c["key"]["priority"] == "protection")
    assert protection >= 0.35 * sum(c["total"] for c in cells)
    # The explanation names what binds, in words.
    binding = page.get_by_test_id("binding")
    expect(binding).to_contain_text("Not less than $20,000,000 for AF")
    expect(binding).to_contain_text("$1")

    # Apply it: the confirm dialog is accepted, and the lines appear in the budget.
    page.once("dialog", lambda dialog: dialog.accept())
    navigate(page, page.get_by_role("button", name="Apply to the scenario").click)
    expect(page.locator(".app-flashes")).to_contain_text("allocation lines now stand in FY2027 plan")
    expect(page).to_have_url(re.compile(r"/lines\?.*source=allocation"))
    lines = live_server.read(_applied_lines)
    assert len(lines) == len(run.result["allocations"])
    total_cents = sum(line.amount_cents for line in lines)
    # The run's whole dollars, plus the cents each fund had beyond them: every dollar and cent allocated.
    assert 0 <= total_cents - sum(c["total"] for c in cells) * 100 < 100 * len(run.result["funds"])
    whole, cents = divmod(total_cents, 100)
    expect(page.get_by_test_id("lines-total")).to_have_text(f"${whole:,}" + (f".{cents:02d}" if cents else ""))


def test_conflicting_rules_are_listed(page: Page, live_server):
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/allocation", wait_until="load")
    page.get_by_label("AF floor").fill("90,000,000")
    page.get_by_label("EAP floor").fill("30,000,000")
    navigate(page, page.get_by_role("button", name="Run the allocation").click)
    expect(page.get_by_test_id("run-status")).to_contain_text("Infeasible")
    conflicts = page.get_by_test_id("conflicts")
    expect(conflicts).to_be_visible()
    expect(conflicts).to_contain_text("Least total relaxation")
    expect(page.get_by_role("button", name="Apply to the scenario")).to_have_count(0)
