"""A resource manager's day in headless Chromium: sign in, filter the budget lines,
add a line, see the totals and the status of funds move, be refused an overdraft,
sign out. Plus signing in with the keyboard alone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from browser import navigate
from helpers import DEMO_PASSWORD
from playwright.sync_api import Page, expect

from models import Appropriation, BudgetLine, Scenario, db

pytestmark = pytest.mark.e2e

EMAIL = "rm@example.gov"
SCENARIO = "FY2027 plan"
APPROPRIATION = "INCLE FY2027 (2-year)"  # as the selects show it
NEW_LINE = {
    "Scenario": SCENARIO,
    "Appropriation": APPROPRIATION,
    "Fiscal year": "FY2027",
    "Object class": "41.0 Grants, subsidies, and contributions",
    "Division": "International Programs",
    "Region": "Africa",
    "Priority": "Protection",
}
AMOUNT_TYPED = "125,000.50"
AMOUNT_CENTS = 12_500_050
OVERDRAFT_TYPED = "999,999,999"


# ---- money as the pages show it ------------------------------------------------

_DOLLARS = re.compile(r"^(-?)\$(\d{1,3}(?:,\d{3})*)(?:\.(\d{2}))?$")


def parse_dollars(text: str) -> int:
    """'$1,234,567', '$1,234.50' or '-$1,234' → cents (and proof the page formats money so)."""
    match = _DOLLARS.match(text.strip())
    assert match, f"not money as the pages show it ($1,234,567 or $1,234.50): {text!r}"
    value = int(match.group(2).replace(",", "")) * 100 + int(match.group(3) or 0)
    return -value if match.group(1) else value


def show_dollars(cents: int) -> str:
    """Cents as held, grouped, cents shown only when there are some: 12_500_050 → '$125,000.50'."""
    whole, rest = divmod(abs(cents), 100)
    sign = "-" if cents < 0 else ""
    return f"{sign}${whole:,}.{rest:02d}" if rest else f"{sign}${whole:,}"


def test_show_dollars_matches_the_page_rule():
    assert show_dollars(12_500_050) == "$125,000.50"
    assert show_dollars(12_500_000) == "$125,000"
    assert show_dollars(-12_500_050) == "-$125,000.50"
    assert show_dollars(-30) == "-$0.30"
    assert parse_dollars("-$1,234,567") == -123_456_700
    assert parse_dollars("$1,234.05") == 123_405


# ---- the database, read on the side (own app context, own connection) ------------


@dataclass(frozen=True)
class Figures:
    scenario_id: int
    appropriation_id: int
    lines: int  # lines of the scenario on the appropriation
    planned_cents: int
    available_cents: int  # allotted − planned, as the status of funds defines it
    all_lines: int


def figures() -> Figures:
    scenario = db.session.scalar(sa.select(Scenario).where(Scenario.name == SCENARIO))
    appropriation = db.session.scalar(
        sa.select(Appropriation).where(Appropriation.account_code == "INCLE", Appropriation.fiscal_year == 2027)
    )
    assert scenario is not None, f"the demo office has no scenario {SCENARIO}"
    assert appropriation is not None, "the demo office has no INCLE FY2027"
    count, planned = db.session.execute(
        sa.select(sa.func.count(BudgetLine.id), sa.func.coalesce(sa.func.sum(BudgetLine.amount_cents), 0)).where(
            BudgetLine.scenario_id == scenario.id, BudgetLine.appropriation_id == appropriation.id
        )
    ).one()
    return Figures(
        scenario_id=scenario.id,
        appropriation_id=appropriation.id,
        lines=count,
        planned_cents=int(planned),
        available_cents=appropriation.allotted_cents - int(planned),
        all_lines=db.session.scalar(sa.select(sa.func.count(BudgetLine.id))),
    )


def newest_line() -> BudgetLine:
    return db.session.scalar(sa.select(BudgetLine).order_by(BudgetLine.id.desc()).limit(1))


# ---- what a person does on the pages ---------------------------------------------


def flashes(page: Page):
    return page.locator(".app-flashes")


def expect_sign_in_page(page: Page, next_path: str | None) -> None:
    """On the sign-in form, sent back to `next_path` after signing in (None: no next)."""
    expect(page).to_have_url(re.compile(r"/login(\?|$)"))
    expect(page.get_by_role("heading", name="Sign in to Apportion", level=1)).to_be_visible()
    url = urlsplit(page.url)
    assert url.path == "/login", page.url
    assert parse_qs(url.query).get("next") == ([next_path] if next_path else None), page.url


def nav(page: Page, label: str) -> None:
    link = page.get_by_role("navigation", name="Primary navigation").get_by_role("link", name=label, exact=True)
    navigate(page, link.click)


def filter_lines(page: Page, ids: Figures) -> tuple[int, str]:
    """Filter the budget lines by the scenario and appropriation; return (count, total) as shown."""
    form = page.get_by_role("form", name="Filter budget lines")
    form.get_by_label("Scenario").select_option(label=SCENARIO)
    form.get_by_label("Appropriation").select_option(label=APPROPRIATION)
    navigate(page, form.get_by_role("button", name="Filter").click)
    expect(page).to_have_url(re.compile(rf"[?&]appropriation={ids.appropriation_id}(&|$)"))
    query = parse_qs(urlsplit(page.url).query)
    assert query["scenario"] == [str(ids.scenario_id)], page.url
    # The filter keeps what was chosen.
    expect(form.get_by_label("Scenario")).to_have_value(str(ids.scenario_id))
    expect(form.get_by_label("Appropriation")).to_have_value(str(ids.appropriation_id))
    summary = page.get_by_test_id("totals-summary")
    expect(summary).to_be_visible()
    count_text = summary.locator("strong").first.inner_text()
    assert re.fullmatch(r"\d{1,3}(,\d{3})*", count_text), count_text
    total = page.get_by_test_id("lines-total").inner_text()
    parse_dollars(total)
    expect(summary).to_contain_text(re.compile(rf"{re.escape(count_text)}\s+lines?\s+·\s+total\s+{re.escape(total)}"))
    return int(count_text.replace(",", "")), total


def fill_line_form(page: Page, amount: str, description: str) -> None:
    expect(page.get_by_role("heading", name="Add a budget line", level=1)).to_be_visible()
    form = page.locator("form", has=page.get_by_role("button", name="Add line"))
    for label, option in NEW_LINE.items():
        form.get_by_label(label, exact=False).select_option(label=option)
    form.get_by_label("Description").fill(description)
    form.get_by_label("Amount").fill(amount)


def submit_line(page: Page):
    """Press "Add line"; return the response to the POST."""
    with page.expect_response(
        lambda r: r.request.method == "POST" and urlsplit(r.url).path == "/lines/new"
    ) as response:
        navigate(page, page.get_by_role("button", name="Add line").click)
    return response.value


def available_on_status_of_funds(page: Page, ids: Figures) -> str:
    nav(page, "Status of funds")
    expect(page.get_by_role("heading", name="Status of funds", level=1)).to_be_visible()
    navigate(page, lambda: page.get_by_label("Scenario").select_option(label=SCENARIO))  # data-autosubmit
    expect(page).to_have_url(re.compile(rf"[?&]scenario={ids.scenario_id}(&|$)"))
    expect(page.get_by_label("Scenario")).to_have_value(str(ids.scenario_id))
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="INCLE FY2027", exact=True))
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell", name=SCENARIO, exact=True)).to_be_visible()
    cell = page.get_by_test_id(f"available-{ids.appropriation_id}")
    expect(cell).to_be_visible()
    return cell.inner_text()


# ---- the journeys ----------------------------------------------------------------


def test_resource_manager_adds_a_line_and_is_refused_an_overdraft(page: Page, live_server, console, tmp_path):
    before = live_server.read(figures)

    # Signed out, the front door leads to sign-in.
    page.goto("/")
    expect_sign_in_page(page, next_path="/")
    expect(flashes(page)).to_contain_text("Please sign in to continue.")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    navigate(page, page.get_by_role("button", name="Sign in").click)
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    # Budget lines, filtered to the FY2027 plan on INCLE FY2027.
    nav(page, "Budget lines")
    expect(page.get_by_role("heading", name="Budget lines", level=1)).to_be_visible()
    count_before, total_before = filter_lines(page, before)
    assert count_before == before.lines
    assert total_before == show_dollars(before.planned_cents)

    # Add a line of $125,000.50.
    navigate(page, page.get_by_role("link", name="Add a line").click)
    expect(page).to_have_url(
        re.compile(rf"/lines/new\?scenario={before.scenario_id}&appropriation={before.appropriation_id}$")
    )
    expect(page.get_by_label("Scenario")).to_have_value(str(before.scenario_id))  # carried over from the filter
    fill_line_form(page, AMOUNT_TYPED, "E2E: shelter and reintegration grants, West Africa")
    response = submit_line(page)
    assert response.status == 302, f"adding the line answered {response.status}"
    added = live_server.read(newest_line)
    expect(page).to_have_url(
        re.compile(rf"/lines\?scenario={before.scenario_id}&appropriation={before.appropriation_id}$")
    )
    expect(flashes(page).get_by_role("status")).to_have_text(f"Budget line {added.id} added.")
    assert added.amount_cents == AMOUNT_CENTS, "125,000.50 must be kept to the cent"
    assert added.description == "E2E: shelter and reintegration grants, West Africa"

    # The same filter shows one more line and the new total, to the cent.
    count_after, total_after = filter_lines(page, before)
    assert count_after == count_before + 1
    assert total_after == show_dollars(before.planned_cents + AMOUNT_CENTS)
    after = live_server.read(figures)
    assert (after.lines, after.planned_cents) == (before.lines + 1, before.planned_cents + AMOUNT_CENTS)

    # The status of funds has $125,000.50 less available on INCLE FY2027 in the FY2027 plan.
    available = available_on_status_of_funds(page, before)
    assert after.available_cents == before.available_cents - AMOUNT_CENTS
    assert available == show_dollars(before.available_cents - AMOUNT_CENTS), (
        f"available went from {show_dollars(before.available_cents)} to {available}"
    )

    # A line that would overdraw the appropriation is refused, on the form.
    nav(page, "Budget lines")
    navigate(page, page.get_by_role("link", name="Add a line").click)
    fill_line_form(page, OVERDRAFT_TYPED, "E2E: overdraft attempt")
    with console.expect_status(422, "/lines/new"):
        response = submit_line(page)
    assert response.status == 422
    expect(page.get_by_role("heading", name="Add a budget line", level=1)).to_be_visible()
    left = after.available_cents - 99_999_999_900
    refusal = (
        f"INCLE FY2027 would be overdrawn in FY2027 plan: {show_dollars(after.available_cents)} available, "
        f"this change needs $999,999,999, leaving {show_dollars(left)}."
    )
    expect(flashes(page).get_by_role("alert")).to_contain_text(refusal)
    expect(page.locator("#amount-error-message")).to_contain_text(refusal)
    amount = page.get_by_label("Amount")
    expect(amount).to_have_attribute("aria-invalid", "true")
    expect(amount).to_have_value(OVERDRAFT_TYPED)  # what was typed is kept for correcting
    expect(page.get_by_label("Description")).to_have_value("E2E: overdraft attempt")

    # ... and nothing changed.
    assert live_server.read(figures) == after
    nav(page, "Budget lines")
    assert filter_lines(page, before) == (count_after, total_after)
    page.screenshot(path=tmp_path / "budget-lines.png", full_page=True)
    assert available_on_status_of_funds(page, before) == available
    page.screenshot(path=tmp_path / "status-of-funds.png", full_page=True)

    # Sign out; the lines are behind sign-in again.
    navigate(page, page.get_by_role("button", name="Sign out").click)
    expect_sign_in_page(page, next_path=None)
    expect(flashes(page)).to_contain_text("You have signed out.")
    page.goto("/lines")
    expect_sign_in_page(page, next_path="/lines")
    expect(flashes(page)).to_contain_text("Please sign in to continue.")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


def test_sign_in_with_the_keyboard(page: Page, live_server):
    page.goto("/login")
    expect(page.get_by_role("heading", name="Sign in to Apportion")).to_be_visible()

    def focused() -> str:
        return page.evaluate(
            """() => {
                const el = document.activeElement;
                if (!el || el === document.body) return "body";
                return el.id ? "#" + el.id : el.tagName.toLowerCase() + ":" + (el.textContent || "").trim();
            }"""
        )

    seen = []
    for _ in range(10):  # skip link and the gov banner come first
        page.keyboard.press("Tab")
        seen.append(focused())
        if seen[-1] == "#email":
            break
    assert seen[-1] == "#email", f"Tab never reached the email field: {seen}"
    page.keyboard.type(EMAIL)
    page.keyboard.press("Tab")
    assert focused() == "#password"
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Tab")
    assert focused() == "button:Sign in"
    page.keyboard.press("Shift+Tab")
    assert focused() == "#password"
    navigate(page, lambda: page.keyboard.press("Enter"))  # implicit submission from the field
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_the_console_watch_catches_csp_violations(page: Page, live_server, console):
    """The guard of the journeys works: inline script and inline style are refused by the
    Content-Security-Policy, and the refusal reaches the watch (then cleared here)."""
    page.goto("/login")
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.inlineRan = true";
            document.body.appendChild(script);
            document.body.insertAdjacentHTML("beforeend", '<p style="color: red">inline style</p>');
        }"""
    )
    assert page.evaluate("() => window.inlineRan === undefined"), "the CSP let an inline script run"
    for _ in range(50):  # console events arrive asynchronously; the sync API delivers them while waiting
        problems = "\n".join(console.problems)
        if "script-src" in problems and "style-src" in problems:
            break
        page.wait_for_timeout(100)
    assert "script-src" in problems, problems
    assert "style-src" in problems, problems
    console.problems.clear()
