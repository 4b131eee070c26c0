"""Accessibility, measured (issue 15): axe-core in the real Chromium on every page each demo role reaches.

axe-core comes from the PyPI package axe-playwright-python (pinned in requirements-dev.txt),
which bundles axe.min.js; the test reads that file and evaluates it in each page itself
(page.evaluate runs outside the Content-Security-Policy, which allows 'self' scripts only).
The pages are the app's GET routes from its url_map, their arguments filled with real ids
(`helpers.url_values`: an allocation run, a selection run, an import preview and an actuals
load preview among them), less what answers other than 200 HTML; plus every "new" form
submitted empty (its error state) and the sign-in page, blank and refused.
A violation of impact serious or critical under the WCAG 2.1 A/AA rules fails the test.

The pages are shown at 1366 × 900, the laptop screen of the office, and each is also measured there:
no page scrolls sideways, and every column heading of every table is on screen (money columns were
once pushed off by wide text columns).
"""

from __future__ import annotations

import json
import re
from importlib.resources import files

import pytest
import sqlalchemy as sa
from browser import LAPTOP
from helpers import DEMO_PASSWORD, DEMO_USER, concrete_requests, url_values, user
from playwright.sync_api import Page, expect

from models import ApiToken, BudgetLine, Role, db
from services.office import accounts

pytestmark = pytest.mark.e2e

AXE_SOURCE = files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
BLOCKING = {"serious", "critical"}

# Routes that are not pages of the signed-in app: files, the health check, the sign-in page
# (checked on its own, signed out).
NOT_PAGES = {"static", "health.healthz", "auth.login"}


def axe_violations(page: Page, label: str) -> list[str]:
    """Serious and critical violations on the page as shown: 'label: rule-id (impact) at selector'."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE)
    result = page.evaluate(
        "options => axe.run(document, options).then(r => r.violations.map(v => ({"
        "id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length,"
        "target: v.nodes.length ? v.nodes[0].target.join(' ') : ''})))",
        AXE_OPTIONS,
    )
    return [
        f"{label}: {v['id']} ({v['impact']}, {v['nodes']} node(s)) at {v['target']} — {v['help']}"
        for v in result
        if v["impact"] in BLOCKING
    ]


_OFF_SCREEN = """() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  if (document.documentElement.scrollWidth > window.innerWidth) {
    found.push(`the page scrolls sideways (${document.documentElement.scrollWidth}px wide)`);
  }
  for (const th of document.querySelectorAll('main table thead th')) {
    if (th.getBoundingClientRect().right > width + 1) {
      found.push(`column "${th.textContent.trim().replace(/\\s+/g, ' ')}" is off-screen`);
    }
  }
  return found;
}"""


def off_screen(page: Page, label: str) -> list[str]:
    """What a person at 1366px cannot see without scrolling sideways: 'label: what'."""
    return [f"{label}: {what}" for what in page.evaluate(_OFF_SCREEN)]


def test_axe_core_is_the_pinned_version():
    assert AXE_SOURCE.startswith("/*! axe v4.12.1"), AXE_SOURCE[:40]  # as requirements-dev.txt notes


def _prepare() -> dict[str, object]:
    """Real ids for the URL arguments; url_values also makes an allocation run, a selection run,
    an import preview and an actuals load preview."""
    accounts.issue_token(None, user("rm@example.gov"), "someone else's")
    db.session.commit()
    return url_values(db.session.scalar(sa.select(sa.func.max(ApiToken.id))))


def page_paths(live_server, values) -> list[tuple[str, str]]:
    """(endpoint, path) of every GET page route, arguments filled in."""
    return sorted(
        (endpoint, path)
        for endpoint, method, path in concrete_requests(live_server.app, values)
        if method == "GET" and endpoint not in NOT_PAGES and not path.startswith("/api/")
    )


def sign_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


_SUBMIT_EMPTY = """
() => {
  const form = [...document.querySelectorAll('main form[method=post], main form[method=POST]')]
    .find(f => [...f.elements].some(e => ['text', 'number', 'date', 'email', 'textarea', 'select-one', 'file']
                                         .includes(e.type) && !e.disabled));
  if (!form) return false;
  form.noValidate = true;
  for (const el of form.elements) {
    if (el.disabled || ['hidden', 'submit', 'button', 'reset'].includes(el.type)) continue;
    if (el.type === 'checkbox' || el.type === 'radio') el.checked = false;
    else if (el.tagName === 'SELECT') el.value = '';
    else el.value = '';
  }
  form.requestSubmit();
  return true;
}
"""


def submit_empty(page: Page, console, path: str) -> bool:
    """Submit the page's main form with every field empty; True once it answered with errors shown."""
    with console.expect_status(400, path), console.expect_status(422, path), page.expect_navigation():
        if not page.evaluate(_SUBMIT_EMPTY):
            return False
    return page.locator(".usa-form-group--error, .usa-alert--error, .usa-error-message").count() > 0


def test_every_page_of_every_role_passes_axe_and_fits_a_laptop_screen(browser, live_server, console):
    values = live_server.read(_prepare)
    routes = page_paths(live_server, values)
    violations: list[str] = []
    hidden: list[str] = []
    checked: dict[str, int] = {}
    visited: dict[str, set[str]] = {}
    errored_forms: dict[str, list[str]] = {}

    def new_page():
        context = browser.new_context(base_url=live_server.url, viewport=LAPTOP)
        page = context.new_page()
        page.on("console", console.on_console)
        page.on("pageerror", console.on_page_error)
        return context, page

    # Signed out: the sign-in page, blank and after a refused password.
    context, page = new_page()
    try:
        page.goto("/login")
        violations += axe_violations(page, "anonymous GET /login")
        page.get_by_label("Email").fill("viewer@example.gov")
        page.get_by_label("Password").fill("not the password")
        with console.expect_status(401, "/login"), page.expect_navigation():
            page.get_by_role("button", name="Sign in").click()
        violations += axe_violations(page, "anonymous POST /login (refused)")
        # The not-found page.
        with console.expect_status(404, "/no-such-page"):
            page.goto("/no-such-page")
        violations += axe_violations(page, "anonymous GET /no-such-page (404)")
    finally:
        context.close()

    for role in Role:
        email = DEMO_USER[role]
        context, page = new_page()
        try:
            sign_in(page, email)
            count = 0
            for endpoint, path in routes:
                response = context.request.get(path, max_redirects=0)
                is_html = response.headers.get("content-type", "").startswith("text/html")
                if response.status != 200 or not is_html:
                    continue  # refused (403/404), a redirect, a download or JSON
                page.goto(path)
                violations += axe_violations(page, f"{role.value} GET {path}")
                hidden += off_screen(page, f"{role.value} GET {path}")
                count += 1
                visited.setdefault(role.value, set()).add(endpoint)
                if endpoint.rsplit(".", 1)[1].startswith("new") and submit_empty(page, console, path.split("?")[0]):
                    violations += axe_violations(page, f"{role.value} POST {path} (empty: errors shown)")
                    errored_forms.setdefault(role.value, []).append(path)
            checked[role.value] = count
        finally:
            context.close()

    print("pages checked per role:", json.dumps(checked), "forms in error state:", json.dumps(errored_forms))
    assert violations == [], f"{len(violations)} serious or critical accessibility violations:\n" + "\n".join(
        violations
    )
    assert hidden == [], f"{len(hidden)} things off-screen at 1366px:\n" + "\n".join(hidden)
    # The enumeration reached the pages it is meant to: results of runs and imports, and forms with errors.
    assert checked[Role.RESOURCE_MANAGER.value] >= 40, checked
    results = {"allocation.show", "programs.selection_run", "exports.preview", "actuals.preview"}
    assert results <= visited[Role.RESOURCE_MANAGER.value], results - visited[Role.RESOURCE_MANAGER.value]
    assert {"/lines/new", "/appropriations/new"} <= set(errored_forms[Role.RESOURCE_MANAGER.value])
    assert "/requests/travel/new" in errored_forms[Role.STAFF.value]
    assert console.problems == []


# ---- the keyboard alone ------------------------------------------------------------

_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const label = el.labels && el.labels.length ? el.labels[0].textContent : (el.getAttribute('aria-label') || '');
  return {
    tag: el.tagName.toLowerCase(),
    text: (el.textContent || '').trim().replace(/\\s+/g, ' '),
    label: label.trim().replace(/\\s+/g, ' '),
    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
    ring: style.boxShadow !== 'none',
  };
}"""


def tab_to(page: Page, tag: str, name: str, limit: int = 80) -> None:
    """Press Tab until the focus is on a `tag` whose label (or text) starts with `name`; the focus must show."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(_FOCUSED)
        if focused is None:
            continue
        seen.append(f"{focused['tag']}:{focused['label'] or focused['text'][:30]}")
        if focused["tag"] == tag and (focused["label"] or focused["text"]).startswith(name):
            assert focused["outline"] or focused["ring"], f"the focus on {tag} {name!r} is not visible"
            return
    pytest.fail(f"Tab never reached {tag} {name!r}; it went through {seen}")


def press_and_load(page: Page, key: str = "Enter") -> None:
    with page.expect_navigation(wait_until="load"):
        page.keyboard.press(key)


LINE_BY_KEYBOARD = {  # label → option, in the order the form asks
    "Scenario": "FY2027 plan",
    "Appropriation": "INCLE FY2027 (2-year)",
    "Fiscal year": "FY2027",
    "Object class": "41.0 Grants",
    "Division": "International Programs",
    "Region": "Africa",
    "Priority": "Protection",
}


def test_resource_manager_adds_a_line_with_the_keyboard_alone(page: Page, live_server):
    """The budget journey (sign in, Budget lines, Add a line, the form, the line listed) with no clicks."""
    sign_in_by_keyboard(page, "rm@example.gov")
    tab_to(page, "a", "Budget lines")
    press_and_load(page)
    expect(page.get_by_role("heading", name="Budget lines", level=1)).to_be_visible()
    tab_to(page, "a", "Add a line")
    press_and_load(page)
    expect(page.get_by_role("heading", name="Add a budget line", level=1)).to_be_visible()

    form = page.locator("form", has=page.get_by_role("button", name="Add line"))
    for label, option in LINE_BY_KEYBOARD.items():
        tab_to(page, "select", label)
        page.keyboard.type(option)  # a focused select picks the option its typed name starts with
        field = form.get_by_label(label, exact=False)
        chosen = field.evaluate("s => s.options[s.selectedIndex].text")
        assert chosen.startswith(option), f"{label}: typing {option!r} chose {chosen!r}"
    tab_to(page, "input", "Description")
    page.keyboard.type("Keyboard only: community protection grants")
    tab_to(page, "input", "Amount")
    page.keyboard.type("42,000.25")
    tab_to(page, "button", "Add line")
    press_and_load(page)

    expect(page.locator(".app-flashes").get_by_role("status")).to_contain_text(re.compile(r"Budget line \d+ added\."))
    line_id = re.search(r"Budget line (\d+) added", page.locator(".app-flashes").inner_text()).group(1)
    line = live_server.read(lambda: db.session.get(BudgetLine, int(line_id)))
    assert line.amount_cents == 4_200_025
    assert line.description == "Keyboard only: community protection grants"

    def lines_of_its_filter() -> int:
        return db.session.scalar(
            sa.select(sa.func.count(BudgetLine.id)).where(
                BudgetLine.scenario_id == line.scenario_id, BudgetLine.appropriation_id == line.appropriation_id
            )
        )

    # Back on the lines, filtered to the new line's scenario and appropriation, which count it.
    expect(page).to_have_url(re.compile(rf"/lines\?scenario={line.scenario_id}&appropriation={line.appropriation_id}$"))
    count = live_server.read(lines_of_its_filter)
    expect(page.get_by_test_id("totals-summary")).to_contain_text(re.compile(rf"{count:,}\s+lines"))


def sign_in_by_keyboard(page: Page, email: str) -> None:
    page.goto("/login")
    tab_to(page, "input", "Email")
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    press_and_load(page)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_staff_drafts_a_trip_with_the_keyboard_alone(page: Page, live_server, console):
    """The request journey's first step (staff drafts a trip, the live estimate, the draft saved) with no clicks."""
    sign_in_by_keyboard(page, "staff-ip@example.gov")
    tab_to(page, "a", "Requests")
    press_and_load(page)
    tab_to(page, "a", "Request travel")
    press_and_load(page)

    # The live estimate asks the API as each key lands; a half-typed date (a return before the departure)
    # is refused with 422 until the date is whole.
    with console.expect_status(422, "/api/v1/travel-requests/estimate"):
        tab_to(page, "input", "Trip")
        page.keyboard.type("Monitoring visit, Bangkok")
        tab_to(page, "input", "To (city)")
        page.keyboard.type("Bangkok")
        tab_to(page, "select", "Country")
        page.keyboard.type("Thailand")
        expect(page.get_by_label("Country").locator("option:checked")).to_have_text("Thailand")
        tab_to(page, "input", "Depart")
        page.keyboard.type("03022027")  # a date field takes month, day and year as typed (en-US)
        tab_to(page, "input", "Return")
        page.keyboard.type("03062027")
        tab_to(page, "input", "Airfare")
        page.keyboard.type("1800")
        expect(page.get_by_test_id("live-estimate")).to_contain_text("$3,367.00")
    tab_to(page, "button", "Save draft")
    press_and_load(page)

    expect(page.get_by_test_id("request-status")).to_have_text("Draft")
    expect(page.get_by_test_id("request-total")).to_have_text("$3,367.00")
