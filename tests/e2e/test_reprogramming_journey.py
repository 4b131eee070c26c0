"""A resource manager drafts a reprogramming that needs the committees' notice, sees why, submits it,
records the notice (sent 20 days ago, so its 15-day hold has ended) and the clearance, executes it,
and finds it executed in the year's list.

$1,500,000 of INCLE FY2027 from Prosecution in AF ($1,667,056.44 in the demo's FY2027 plan) to
Protection in WHA ($5,778,684.61): more than 10% of Protection in WHA's base, and 90% of Prosecution in AF's.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from browser import LAPTOP, navigate, sign_in
from helpers import appropriation
from playwright.sync_api import Page, expect

from models import BudgetLine, LineSource, Priority, Region, Reprogramming, db

pytestmark = pytest.mark.e2e


def _names() -> dict[str, str]:
    def name(model, code):
        return db.session.scalar(sa.select(model.name).where(model.code == code))

    return {
        "appropriation": str(appropriation("INCLE", 2027).id),
        "AF": name(Region, "AF"),
        "WHA": name(Region, "WHA"),
        "prosecution": name(Priority, "prosecution"),
        "protection": name(Priority, "protection"),
    }


def test_a_reprogramming_from_draft_through_notice_to_executed(page: Page, live_server):
    names = live_server.read(_names)
    page.set_viewport_size(LAPTOP)
    sign_in(page, live_server.url)
    nav = page.get_by_role("navigation", name="Primary navigation")
    navigate(page, nav.get_by_role("link", name="Reprogramming", exact=True).click)
    expect(page.get_by_role("heading", level=1)).to_have_text("Reprogramming, FY2027")
    navigate(page, page.get_by_role("link", name="Draft a reprogramming").click)

    page.get_by_label("Appropriation").select_option(names["appropriation"])
    page.get_by_label("Justification").fill("Shelters in Central America lost their second donor.")
    source = page.get_by_role("group", name="From, move 1")
    source.get_by_label("Region").select_option(label=names["AF"])
    source.get_by_label("Priority").select_option(label=names["prosecution"])
    target = page.get_by_role("group", name="To, move 1")
    target.get_by_label("Region").select_option(label=names["WHA"])
    target.get_by_label("Priority").select_option(label=names["protection"])
    page.get_by_test_id("move-1").get_by_label("Amount (dollars)").fill("1,500,000")
    navigate(page, page.get_by_role("button", name="Save the draft").click)

    status = page.get_by_test_id("reprogramming-status")
    expect(status).to_have_text("Draft")
    decision = page.get_by_test_id("decision")
    expect(decision).to_contain_text("A notification is needed under 22 U.S.C. 2706")
    expect(decision).to_contain_text(
        "augments Protection in WHA by $1,500,000, more than 10% of its base of $5,778,684.61"
    )
    expect(decision).to_contain_text("reduces Prosecution in AF by $1,500,000")
    expect(page.get_by_test_id("earliest-obligation")).to_contain_text("the 15-day hold ends")
    reprogramming_id = int(re.search(r"/reprogrammings/(\d+)$", page.url).group(1))

    steps = page.get_by_test_id("steps")
    navigate(page, steps.get_by_role("button", name="Submit for review").click)
    expect(status).to_have_text("In review")
    expect(page.get_by_test_id("next-step")).to_contain_text("Send the notification to the committees")

    notified_on = dt.date.today() - dt.timedelta(days=20)
    steps.get_by_label("Notified on").fill(notified_on.isoformat())
    navigate(page, steps.get_by_role("button", name="Record the notification").click)
    expect(status).to_have_text("Notified")

    navigate(page, steps.get_by_role("button", name="Record the committees' clearance").click)
    expect(status).to_have_text("Cleared")
    expect(page.get_by_test_id("next-step")).to_contain_text("the notice's hold has ended: execute it")

    navigate(page, steps.get_by_role("button", name="Execute", exact=True).click)
    expect(status).to_have_text("Executed")
    expect(page.get_by_test_id("next-step")).to_contain_text("its moves are in the scenario's lines")

    moved = live_server.read(
        lambda: db.session.scalar(
            sa.select(sa.func.sum(BudgetLine.amount_cents)).where(
                BudgetLine.source == LineSource.REPROGRAMMING, BudgetLine.source_id == reprogramming_id
            )
        )
    )
    assert moved == 150_000_000
    assert live_server.read(lambda: db.session.get(Reprogramming, reprogramming_id).notified_on) == notified_on

    navigate(page, page.get_by_role("link", name="The year's reprogrammings").click)
    row = page.get_by_test_id("reprogrammings").locator(
        "tbody tr", has=page.get_by_role("link", name=f"Reprogramming {reprogramming_id}", exact=True)
    )
    expect(row).to_contain_text("Executed")
    expect(row).to_contain_text(notified_on.isoformat())
    expect(row).to_contain_text("$1,500,000")
