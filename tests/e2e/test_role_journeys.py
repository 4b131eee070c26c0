"""Issue 15, done when: each demo role walks its main journey on the office's laptop screen (1366 × 900).
On every page of the way nothing scrolls sideways and the person's next step is on screen without
scrolling: the to-do that sends them, the sentence that says what happens next, the button that does it.
The journeys start from the dashboard's to-do, as a person who does not know the URLs would."""

from __future__ import annotations

import re

import sqlalchemy as sa
from browser import LAPTOP, navigate, sign_in
from playwright.sync_api import Locator, Page, expect

from models import RequestStatus, StaffingRequest, TravelRequest, User, db


def at_a_glance(page: Page, *next_steps: Locator) -> None:
    """The page fits the screen's width and shows each of `next_steps` without scrolling."""
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{page.url} scrolls sideways: {width[0]}px in a {width[1]}px window"
    for step in next_steps:
        expect(step).to_be_in_viewport()


def start(page: Page, live_server, email: str) -> None:
    page.set_viewport_size(LAPTOP)
    sign_in(page, live_server.url, email)


def follow_todo(page: Page, kind: str) -> None:
    item = page.get_by_test_id("todo").locator(f'[data-todo="{kind}"]')
    link = item.get_by_role("link")
    at_a_glance(page, item, link)
    navigate(page, link.click)


def open_first_request(page: Page) -> str:
    """Open the first request listed; its status as the list shows it."""
    first = page.locator("table tbody tr").first
    link = first.get_by_role("link")
    at_a_glance(page, link)
    status = first.locator(".usa-tag").text_content().strip()
    navigate(page, link.click)
    return status


def request_of(page: Page):
    kind, number = re.search(r"/requests/(travel|staffing)/(\d+)$", page.url).groups()
    return (TravelRequest if kind == "travel" else StaffingRequest), int(number)


def status_in_db(live_server, model, number: int) -> RequestStatus:
    return live_server.read(lambda: db.session.get(model, number).status)


def test_staff_edits_a_returned_request_and_sees_who_submits_it(page: Page, live_server):
    start(page, live_server, "staff-ip@example.gov")
    follow_todo(page, "returned")
    expect(page.get_by_role("heading", level=1)).to_have_text("My requests")
    assert open_first_request(page) == "Returned"
    model, number = request_of(page)
    edit = page.get_by_role("link", name="Edit", exact=True)  # staff edit; the division head resubmits
    at_a_glance(page, page.get_by_test_id("return-comment"), page.get_by_test_id("next-step"), edit)
    expect(page.get_by_role("button", name="Delete draft")).to_have_count(0)  # a returned request is kept

    navigate(page, edit.click)
    title = page.get_by_label(re.compile(r"^(Trip|Position title)"))
    at_a_glance(page, page.get_by_role("heading", level=1), title)
    title.fill(title.input_value() + " (revised)")
    navigate(page, page.get_by_role("button", name="Save draft").click)

    next_step = page.get_by_test_id("next-step")
    at_a_glance(page, page.get_by_test_id("request-status"), next_step)
    # Edited, it is a draft again, which the division head submits.
    expect(page.get_by_test_id("request-status")).to_have_text("Draft")
    expect(next_step).to_contain_text("Your division head submits it for review.")
    expect(page.get_by_role("button", name="Submit")).to_have_count(0)  # staff do not submit
    assert status_in_db(live_server, model, number) == RequestStatus.DRAFT


def test_division_head_submits_a_draft_of_the_division(page: Page, live_server):
    start(page, live_server, "head-ip@example.gov")
    follow_todo(page, "submit")
    assert open_first_request(page) == "Draft"
    model, number = request_of(page)
    submit = page.get_by_role("button", name="Submit", exact=True)
    at_a_glance(page, page.get_by_test_id("next-step"), submit)
    expect(page.get_by_test_id("next-step")).to_contain_text("Submit it for review when it is ready.")

    navigate(page, submit.click)
    at_a_glance(page, page.get_by_test_id("request-status"), page.get_by_test_id("next-step"))
    expect(page.get_by_test_id("request-status")).to_have_text("Submitted")
    expect(page.get_by_test_id("next-step")).to_contain_text("It waits for the resource manager's review.")
    assert status_in_db(live_server, model, number) == RequestStatus.SUBMITTED


def test_resource_manager_decides_a_request_from_the_review_queue(page: Page, live_server):
    start(page, live_server, "rm@example.gov")
    follow_todo(page, "review")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Review")
    assert open_first_request(page) == "Submitted"
    model, number = request_of(page)
    approve = page.get_by_role("button", name="Approve")
    at_a_glance(page, page.get_by_test_id("next-step"), approve)
    expect(page.get_by_test_id("next-step")).to_contain_text("It waits for your decision")

    navigate(page, approve.click)
    if page.get_by_role("button", name="Approve").count():  # the funds check asked to confirm: say it again
        raise AssertionError(f"approval did not go through: {page.locator('.usa-alert').all_inner_texts()}")
    at_a_glance(page, page.get_by_test_id("request-status"), page.get_by_test_id("next-step"))
    expect(page.get_by_test_id("request-status")).to_have_text("Approved")
    expect(page.get_by_test_id("next-step")).to_contain_text("its budget lines are in the scenario")
    assert status_in_db(live_server, model, number) == RequestStatus.APPROVED


def test_viewer_reads_the_status_of_funds_and_an_accounts_execution(page: Page, live_server):
    start(page, live_server, "viewer@example.gov")
    at_a_glance(page, page.get_by_test_id("todo").locator('[data-todo="none"]'))
    navigate(
        page,
        page.get_by_role("navigation", name="Primary navigation").get_by_role("link", name="Status of funds").click,
    )
    table = page.locator("main table").first
    at_a_glance(page, table.get_by_role("columnheader", name="Available"), table.get_by_role("columnheader").last)
    account = table.locator("tbody tr").first.get_by_role("link").first
    navigate(page, account.click)
    at_a_glance(page, page.get_by_role("heading", level=1))
    execution = page.get_by_role("link", name=re.compile("execution", re.I)).first
    navigate(page, execution.click)
    at_a_glance(page, page.get_by_role("heading", level=1))
    expect(page.get_by_role("button", name=re.compile("Save|Load|Apply"))).to_have_count(0)  # reading only


def test_admin_adds_a_person_who_can_then_sign_in(page: Page, live_server):
    start(page, live_server, "admin@example.gov")
    navigate(page, page.get_by_role("navigation", name="Primary navigation").get_by_role("link", name="Users").click)
    add = page.get_by_role("link", name="Add a user")
    at_a_glance(page, add)
    navigate(page, add.click)
    at_a_glance(page, page.get_by_label("Email"))
    page.get_by_label("Email").fill("new.analyst@example.gov")
    page.get_by_label("Name").fill("New Analyst")
    page.get_by_label("Role").select_option(label="Viewer")
    page.get_by_label("Password").fill("a long enough passphrase 42")
    navigate(page, page.get_by_role("button", name="Save").click)
    flash = page.locator(".app-flashes")
    at_a_glance(page, flash)
    expect(flash).to_contain_text("New Analyst can now sign in as new.analyst@example.gov.")
    assert (
        live_server.read(lambda: db.session.scalar(sa.select(User.name).where(User.email == "new.analyst@example.gov")))
        == "New Analyst"
    )
