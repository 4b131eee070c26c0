"""Every journey of the Playwright suite, once more with the keyboard alone (issue 15, Section 508).

Tab, Shift+Tab, Enter, Space, arrow keys and typing only: no clicks and no `fill`. The budget journey
and the travel draft are done so in test_accessibility; the rest are here, each as short as its journey
allows. `tab_to` also checks that each control the user lands on shows its focus.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from consumer import start_consumer, stop
from helpers import allocation_run_id, plan_scenario
from playwright.sync_api import Page, expect
from test_accessibility import _FOCUSED, press_and_load, sign_in_by_keyboard, tab_to

from models import (
    ActualTransaction,
    Appropriation,
    Award,
    AwardStatus,
    BudgetLine,
    LineSource,
    Role,
    Scenario,
    SelectionRun,
    StaffingRequest,
    User,
    db,
)

pytestmark = pytest.mark.e2e

LONG_PAGE = 400  # Tab presses allowed on pages with big tables of inputs or links


def money(cents: int) -> str:
    """Cents as the pages show them: '$1,234' or '$1,234.50' (a SUM is a Decimal on PostgreSQL)."""
    cents = int(cents)
    whole, rest = divmod(abs(cents), 100)
    return ("-" if cents < 0 else "") + (f"${whole:,}.{rest:02d}" if rest else f"${whole:,}")


def go_to(page: Page, name: str, limit: int = 80) -> None:
    """Tab to the link `name` and follow it with Enter."""
    tab_to(page, "a", name, limit)
    press_and_load(page)


def choose(page: Page, label: str, option: str) -> None:
    """Tab to the select `label` and type the start of `option`, as a keyboard user picks one."""
    tab_to(page, "select", label)
    page.keyboard.type(option)
    chosen = page.evaluate("() => document.activeElement.options[document.activeElement.selectedIndex].text")
    assert chosen.startswith(option), f"{label}: typing {option!r} chose {chosen!r}"


def tab_into(page: Page, selector: str, limit: int = LONG_PAGE) -> str:
    """Tab until the focus is on an element matching the CSS `selector` (its focus shown); its text."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector):
            focused = page.evaluate(_FOCUSED)
            assert focused["outline"] or focused["ring"], f"the focus on {selector} is not visible"
            return focused["text"]
    pytest.fail(f"Tab never reached {selector}")


def sign_out_by_keyboard(page: Page) -> None:
    tab_to(page, "button", "Sign out")
    press_and_load(page)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def flash(page: Page):
    return page.locator(".app-flashes")


# ---- allocation ------------------------------------------------------------------


def _allocation_lines_cents() -> int:
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(BudgetLine.amount_cents), 0)).where(
            BudgetLine.source == LineSource.ALLOCATION
        )
    )


def test_allocation_set_run_and_applied_by_keyboard(page: Page, live_server):
    """The allocation journey: a floor and a share set, the run, what binds, applied to the plan."""
    sign_in_by_keyboard(page, "rm@example.gov")
    go_to(page, "Allocation")
    expect(page.get_by_role("heading", level=1)).to_contain_text("FY2027 plan")
    tab_to(page, "input", "AF floor", LONG_PAGE)
    page.keyboard.type("20,000,000")
    tab_to(page, "input", "protection minimum share (%)", LONG_PAGE)
    page.keyboard.type("35")
    tab_to(page, "button", "Run the allocation", LONG_PAGE)
    press_and_load(page)
    expect(page.get_by_test_id("run-status")).to_contain_text("Optimal")
    expect(page.get_by_test_id("binding")).to_contain_text("Not less than $20,000,000 for AF")

    page.once("dialog", lambda dialog: dialog.accept())  # the native confirm: Enter accepts it
    tab_to(page, "button", "Apply to the scenario", LONG_PAGE)
    press_and_load(page)
    expect(flash(page)).to_contain_text("allocation lines now stand in FY2027 plan")
    expect(page.get_by_test_id("lines-total")).to_have_text(money(live_server.read(_allocation_lines_cents)))


# ---- programs --------------------------------------------------------------------

NOTICE = "SFOP0010027"


def _latest_selection() -> list[str]:
    run = db.session.scalar(sa.select(SelectionRun).order_by(SelectionRun.id.desc()).limit(1))
    return list(run.result["selected"])


def _pending_awards_of_notice() -> list[str]:
    return list(
        db.session.scalars(
            sa.select(Award.number).where(Award.number.startswith(f"{NOTICE}-"), Award.status == AwardStatus.PENDING)
        )
    )


def _plan_awards_cents() -> int:
    """What the awards claim on INCLE FY2027 in the FY2027 plan: their lines there."""
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(BudgetLine.amount_cents), 0))
        .join(Scenario, BudgetLine.scenario_id == Scenario.id)
        .join(Appropriation, BudgetLine.appropriation_id == Appropriation.id)
        .where(
            Scenario.name == "FY2027 plan",
            Appropriation.account_code == "INCLE",
            Appropriation.fiscal_year == 2027,
            BudgetLine.source == LineSource.AWARD,
        )
    )


def test_selection_run_and_awards_by_keyboard(page: Page, live_server):
    """The programs journey: the notice, its selection run, the awards made from it, and what they claim
    in the plan's status of funds."""
    sign_in_by_keyboard(page, "rm@example.gov")
    go_to(page, "Programs")
    go_to(page, "Funding notices")
    go_to(page, NOTICE, LONG_PAGE)
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Notice {NOTICE}")
    tab_to(page, "button", "Run the selection", LONG_PAGE)
    press_and_load(page)
    expect(page.get_by_test_id("run-status")).to_contain_text("Optimal")
    selected = live_server.read(_latest_selection)
    expect(page.get_by_test_id("selected-count")).to_have_text(f"{len(selected)} proposals")

    tab_to(page, "input", "Awards start on", LONG_PAGE)
    page.keyboard.type("01022027")
    page.once("dialog", lambda dialog: dialog.accept())
    tab_to(page, "button", "Make awards", LONG_PAGE)
    press_and_load(page)
    expect(flash(page)).to_contain_text(f"{len(selected)} pending award(s) made from notice {NOTICE}")
    awards = live_server.read(_pending_awards_of_notice)
    assert sorted(awards) == sorted(f"{NOTICE}-{number}" for number in selected)

    # Status of funds in the plan: typing in its auto-submitting select waits for Enter (or its Show button).
    go_to(page, "Status of funds")
    tab_to(page, "select", "Scenario")
    page.keyboard.type("FY2027 plan")
    expect(page.get_by_role("button", name="Show")).to_be_visible()  # the page did not reload at the first key
    press_and_load(page)
    go_to(page, "INCLE FY2027", LONG_PAGE)
    expect(page.locator("dl.record")).to_contain_text("Planned in FY2027 plan")
    of_which = page.locator("dt", has_text="Of which awards").locator("xpath=following-sibling::dd[1]")
    expect(of_which).to_contain_text(money(live_server.read(_plan_awards_cents)))


# ---- requests --------------------------------------------------------------------


def _staffing(request_id: int) -> tuple[str, int, list[int]]:
    record = db.session.get(StaffingRequest, request_id)
    lines = db.session.scalars(
        sa.select(BudgetLine.amount_cents).where(
            BudgetLine.source == LineSource.STAFFING, BudgetLine.source_id == request_id
        )
    )
    return record.status.value, record.total_cents, list(lines)


def test_staffing_request_drafted_submitted_and_approved_by_keyboard(page: Page, live_server):
    """The request journey's other steps: staff requests a position, the division head submits the draft,
    the resource manager approves it and its cost goes into the budget."""
    sign_in_by_keyboard(page, "staff-ip@example.gov")
    go_to(page, "Requests")
    go_to(page, "Request staff")
    tab_to(page, "input", "Position title")
    page.keyboard.type("Keyboard-only program analyst")
    choose(page, "Kind", "Civil service")
    choose(page, "Pay plan", "GS")
    tab_to(page, "input", "Grade")
    page.keyboard.type("13")
    tab_to(page, "input", "Start date")
    page.keyboard.type("01102027")
    choose(page, "Funding appropriation", "DP FY2027")
    choose(page, "Budget scenario", "FY2027 plan")
    tab_to(page, "button", "Save draft")
    press_and_load(page)
    expect(page.get_by_test_id("request-status")).to_have_text("Draft")
    request_id = int(re.search(r"/requests/staffing/(\d+)$", page.url).group(1))
    sign_out_by_keyboard(page)

    sign_in_by_keyboard(page, "head-ip@example.gov")
    go_to(page, "Requests")
    go_to(page, f"Staffing {request_id}:", LONG_PAGE)
    tab_to(page, "button", "Submit", LONG_PAGE)
    press_and_load(page)
    expect(page.get_by_test_id("request-status")).to_have_text("Submitted")
    sign_out_by_keyboard(page)

    sign_in_by_keyboard(page, "rm@example.gov")
    go_to(page, "Requests")
    go_to(page, f"Staffing {request_id}:", LONG_PAGE)
    tab_to(page, "button", "Approve", LONG_PAGE)
    press_and_load(page)
    expect(page.get_by_test_id("request-status")).to_have_text("Approved")
    status, total, lines = live_server.read(lambda: _staffing(request_id))
    assert status == "approved"
    assert total > 0
    assert sum(lines) == total  # its cost, whole, in the plan
    for cents in lines:
        expect(page.get_by_test_id("request-lines")).to_contain_text(money(cents))


# ---- scenarios -------------------------------------------------------------------


def _totals(*names: str) -> list[int]:
    def total(name: str) -> int:
        scenario_id = db.session.scalar(sa.select(Scenario.id).where(Scenario.name == name))
        return db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(BudgetLine.amount_cents), 0)).where(
                BudgetLine.scenario_id == scenario_id
            )
        )

    return [total(name) for name in names]


def test_scenario_cloned_changed_and_compared_by_keyboard(page: Page, live_server):
    """The scenario journey: clone the plan, change a line of the copy, compare the two."""
    copy = "FY2027 plan, keyboard cut"
    sign_in_by_keyboard(page, "rm@example.gov")
    go_to(page, "Scenarios")
    go_to(page, "FY2027 plan", LONG_PAGE)
    tab_to(page, "input", "Name of the copy")
    page.keyboard.type(copy)
    tab_to(page, "button", "Clone with every line")
    press_and_load(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(copy)

    # One of the copy's lines, the first listed, down to $1,000.
    go_to(page, "Budget lines")
    line_id = tab_into(page, "main table tbody a")
    press_and_load(page)
    go_to(page, "Edit")
    tab_to(page, "input", "Amount")
    page.keyboard.press("Control+A")
    page.keyboard.type("1000")
    tab_to(page, "button", "Save")
    press_and_load(page)
    expect(flash(page)).to_contain_text(f"Budget line {line_id} saved.")

    go_to(page, copy)  # the line's scenario
    go_to(page, "Compare")
    table = page.get_by_test_id("comparison")
    expect(table.locator("caption")).to_contain_text(f"{copy} against FY2027 plan")
    expect(table.locator("tbody td.is-negative")).to_have_count(1)
    plan_cents, copy_cents = live_server.read(lambda: _totals("FY2027 plan", copy))
    assert copy_cents < plan_cents
    expect(table.locator("tfoot td.is-negative")).to_have_text(money(copy_cents - plan_cents))


# ---- execution -------------------------------------------------------------------


def _pending_award() -> tuple[str, str, int, str]:
    """A pending demo award with nothing posted yet: number, account, fiscal year, appropriation label."""
    award = db.session.scalars(sa.select(Award).where(Award.status == AwardStatus.PENDING).order_by(Award.id)).first()
    funding = min(award.funding, key=lambda f: f.fiscal_year)
    appropriation = db.session.scalar(
        sa.select(Appropriation).where(
            Appropriation.account_code == funding.account_code, Appropriation.fiscal_year == funding.fiscal_year
        )
    )
    return award.number, funding.account_code, funding.fiscal_year, appropriation.label


def test_actuals_loaded_and_execution_seen_by_keyboard(page: Page, live_server, tmp_path: Path):
    """The execution journey: an extract uploaded and committed, then the account's month on the execution page."""
    number, account, year, label = live_server.read(_pending_award)
    extract = tmp_path / "december.csv"
    extract.write_text(
        "transaction_id,posted_on,account,fiscal_year,object_class,division,document_number,obligation,expenditure\n"
        f"KB-1,2026-12-03,{account},{year},41.0,IP,{number},250000.00,0\n"
        f"KB-2,2026-12-17,{account},{year},41.0,IP,{number},0,42000.50\n",
        encoding="utf-8",
    )
    sign_in_by_keyboard(page, "rm@example.gov")
    go_to(page, "Actuals")
    tab_to(page, "input", "Actuals extract")
    # Choosing the file is the operating system's dialog, outside the page: Playwright sets it on the
    # file input the keyboard has focused (Enter or Space on it would open that dialog).
    page.locator(":focus").set_input_files(str(extract))
    tab_to(page, "button", "Upload and preview")
    press_and_load(page)
    expect(page.get_by_test_id("actuals-summary")).to_contain_text("2 rows · 2 new")
    page.once("dialog", lambda dialog: dialog.accept())
    tab_to(page, "button", "Commit 2 new transactions")
    press_and_load(page)
    expect(flash(page)).to_contain_text(re.compile(r"Load \d+ committed: 2 transactions written\."))
    written = live_server.read(
        lambda: db.session.scalar(
            sa.select(sa.func.count(ActualTransaction.id)).where(ActualTransaction.transaction_id.like("KB-%"))
        )
    )
    assert written == 2

    go_to(page, "Execution")
    tab_to(page, "input", "As of")
    page.keyboard.type("01312027")
    tab_to(page, "button", "Show")
    press_and_load(page)
    go_to(page, label, LONG_PAGE)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Execution: {account} FY{year}")
    december = page.locator("#execution-months tbody tr").filter(has=page.get_by_role("rowheader", name="2026-12"))
    expect(december.locator("td").nth(1)).to_have_text("$250,000")
    expect(december.locator("td").nth(2)).to_have_text("$42,000.50")


# ---- a background job ------------------------------------------------------------


def test_a_sweep_started_watched_and_opened_by_keyboard(page: Page, live_server):
    """The job journey (issue 16): a sweep queued from the run's page, its progress page, and, once the
    consumer has run it, the result link, which takes the focus so that Enter opens it."""
    run_id = live_server.read(lambda: allocation_run_id(plan_scenario()))
    live_server.app.config["JOBS_SWEEP_SOLVES"] = 0  # queued, not answered at once
    sign_in_by_keyboard(page, "rm@example.gov")
    page.goto(f"/allocation-runs/{run_id}")  # (as a bookmark: the run page is the journey's start)
    choose(page, "Appropriation", "ESF FY2027")
    tab_to(page, "button", "Show how totals move", LONG_PAGE)
    press_and_load(page)
    expect(page.get_by_test_id("job-state")).to_have_text("Queued")
    consumer = start_consumer(live_server.app)
    try:
        result = page.get_by_test_id("job-result")
        expect(result).to_be_focused(timeout=120_000)
    finally:
        stop(consumer)
    press_and_load(page)
    expect(page).to_have_url(re.compile(rf"/allocation-runs/{run_id}/sensitivity\?job=\d+$"))
    expect(page.get_by_test_id("sweep-table")).to_contain_text("ESF-FY2027")


# ---- administration --------------------------------------------------------------


def test_admin_adds_a_person_by_keyboard(page: Page, live_server):
    sign_in_by_keyboard(page, "admin@example.gov")
    go_to(page, "Users")
    go_to(page, "Add a user")
    tab_to(page, "input", "Email")
    page.keyboard.type("keyboard.analyst@example.gov")
    tab_to(page, "input", "Name")
    page.keyboard.type("Keyboard Analyst")
    choose(page, "Role", "Viewer")
    tab_to(page, "input", "Initial password", LONG_PAGE)
    page.keyboard.type("a long enough passphrase 42")
    tab_to(page, "button", "Save", LONG_PAGE)
    press_and_load(page)
    expect(flash(page)).to_contain_text("Keyboard Analyst can now sign in as keyboard.analyst@example.gov.")
    role = live_server.read(
        lambda: db.session.scalar(sa.select(User.role).where(User.email == "keyboard.analyst@example.gov"))
    )
    assert role == Role.VIEWER
