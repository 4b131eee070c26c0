"""Staff drafts a trip, the division head submits it, the resource manager approves it, the line appears;
staff cost a position as they type."""

from __future__ import annotations

import re

import sqlalchemy as sa
from browser import navigate, sign_in
from playwright.sync_api import Page, expect

from models import BudgetLine, LineSource, StaffingRequest, TravelRequest, db


def test_trip_from_draft_to_budget_line(page: Page, live_server):
    base = live_server.url
    sign_in(page, base, "staff-ip@example.gov")
    navigate(
        page,
        page.get_by_role("navigation", name="Primary navigation")
        .get_by_role("link", name="Requests", exact=True)
        .click,
    )
    navigate(page, page.get_by_role("link", name="Request travel").click)
    page.get_by_label("Trip").fill("Monitoring visit, Bangkok")
    page.get_by_label("To (city)").fill("Bangkok")
    page.get_by_label("Country").select_option(label="Thailand")
    page.get_by_label("Depart").fill("2027-03-02")
    page.get_by_label("Return").fill("2027-03-06")
    page.get_by_label("Airfare (leave blank to use the city-pair fare)").fill("1800")
    # The live estimate is the contract's worked example: $1,036 + $531 + $1,800.
    expect(page.get_by_test_id("live-estimate")).to_contain_text("$3,367.00")
    navigate(page, page.get_by_role("button", name="Save draft").click)
    expect(page.get_by_test_id("request-status")).to_have_text("Draft")
    expect(page.get_by_test_id("request-total")).to_have_text("$3,367.00")
    request_id = int(re.search(r"/requests/travel/(\d+)$", page.url).group(1))

    sign_in(page, base, "head-ip@example.gov")
    page.goto(f"{base}/requests/travel/{request_id}", wait_until="load")
    expect(page.get_by_test_id("allowance-after")).to_be_visible()
    navigate(page, page.get_by_role("button", name="Submit").click)
    expect(page.get_by_test_id("request-status")).to_have_text("Submitted")

    sign_in(page, base, "rm@example.gov")
    page.goto(f"{base}/requests/review", wait_until="load")
    navigate(page, page.get_by_role("link", name=re.compile(rf"Travel {request_id}:")).click)
    navigate(page, page.get_by_role("button", name="Approve").click)
    expect(page.get_by_test_id("request-status")).to_have_text("Approved")
    lines = page.get_by_test_id("request-lines")
    expect(lines).to_contain_text("21.0")
    expect(lines).to_contain_text("$3,367")

    line = live_server.read(
        lambda: db.session.scalar(
            sa.select(BudgetLine).where(BudgetLine.source == LineSource.TRAVEL, BudgetLine.source_id == request_id)
        )
    )
    total = live_server.read(lambda: db.session.get(TravelRequest, request_id).total_cents)
    assert line.amount_cents == total == 336_700
    navigate(page, lines.get_by_role("link", name=str(line.id)).click)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Budget line {line.id}")


def test_staff_see_a_positions_cost_as_they_type_and_the_draft_keeps_it(page: Page, live_server):
    """The staffing form's live estimate is what the saved request holds. A contractor's annual rate is
    fully loaded (no benefits), prorated by days: half time for FY2027 (365 of 365 days) is $75,000.00, and
    FY2028 at the 2% yearly raise is $153,000 x 0.5 = $76,500.00. The request's estimate is its first year."""
    sign_in(page, live_server.url, "staff-ip@example.gov")
    page.goto(f"{live_server.url}/requests/staffing/new", wait_until="load")
    estimate = page.get_by_test_id("live-estimate")
    page.get_by_label("Position title").fill("Data analyst (contract)")
    page.get_by_label("Kind").select_option(label="Contractor")
    page.get_by_label("Annual rate (contractors, detailees, fellows)").fill("$150,000")
    page.get_by_label("FTE").fill("0.5")
    page.get_by_label("Start date").fill("2026-10-01")
    expect(estimate).to_contain_text("FY2027")  # open-ended: costed for the start year and the out-years
    page.get_by_label("End date (optional)").fill("2028-09-30")
    page.get_by_label("Yearly pay raise (%)").fill("2")
    expect(estimate.get_by_role("row", name="FY2027")).to_contain_text("$75,000.00")
    expect(estimate.get_by_role("row", name="FY2028")).to_contain_text("$76,500.00")
    expect(estimate).to_contain_text("A full year costs $75,000.00")
    expect(estimate.get_by_role("row", name="FY2029")).to_have_count(0)  # ended before it

    navigate(page, page.get_by_role("button", name="Save draft").click)
    expect(page.get_by_test_id("request-status")).to_have_text("Draft")
    expect(page.get_by_test_id("request-actuals")).to_contain_text("estimate $75,000")
    expect(page.get_by_test_id("estimate").get_by_role("row", name="FY2028")).to_contain_text("76,500.00")
    request_id = int(re.search(r"/requests/staffing/(\d+)$", page.url).group(1))
    assert live_server.read(lambda: db.session.get(StaffingRequest, request_id).total_cents) == 7_500_000
