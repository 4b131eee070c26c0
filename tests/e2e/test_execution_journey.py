"""The resource manager loads an extract, commits it, and sees it on the award and the execution page."""

from __future__ import annotations

import re

import sqlalchemy as sa
from browser import navigate, sign_in
from playwright.sync_api import Page, expect

from models import ActualTransaction, Appropriation, Award, AwardStatus, db


def _pending_award() -> tuple[int, str, int, str, int]:
    """A pending demo award (nothing posted against it yet), its first funding line's appropriation."""
    award = db.session.scalars(sa.select(Award).where(Award.status == AwardStatus.PENDING).order_by(Award.id)).first()
    funding = min(award.funding, key=lambda f: f.fiscal_year)
    appropriation = db.session.scalar(
        sa.select(Appropriation).where(
            Appropriation.account_code == funding.account_code, Appropriation.fiscal_year == funding.fiscal_year
        )
    )
    return award.id, award.number, appropriation.id, funding.account_code, funding.fiscal_year


def test_extract_from_upload_to_execution_page(page: Page, live_server, tmp_path):
    base = live_server.url
    award_id, number, appropriation_id, account, year = live_server.read(_pending_award)
    # December 2026: after the demo extract's last day, so the month holds only these rows.
    extract = tmp_path / "december.csv"
    extract.write_text(
        "transaction_id,posted_on,account,fiscal_year,object_class,division,document_number,obligation,expenditure\n"
        f"E2E-1,2026-12-03,{account},{year},41.0,IP,{number},250000.00,0\n"
        f"E2E-2,2026-12-17,{account},{year},41.0,IP,{number},0,42000.50\n"
        f"E2E-3,2026-12-18,{account},{year},41.0,IP,{number},-1200.25,0\n",
        encoding="utf-8",
    )

    sign_in(page, base, "rm@example.gov")
    navigate(
        page,
        page.get_by_role("navigation", name="Primary navigation").get_by_role("link", name="Actuals", exact=True).click,
    )
    page.locator("input[type=file][name=file]").set_input_files(str(extract))
    navigate(page, page.get_by_role("button", name="Upload and preview").click)
    summary = page.get_by_test_id("actuals-summary")
    expect(summary).to_contain_text("3 rows · 3 new · 0 unchanged · 0 errors · 0 warnings")
    expect(page.get_by_test_id("actuals-errors")).to_have_count(0)
    page.once("dialog", lambda dialog: dialog.accept())  # the commit asks for confirmation
    navigate(page, page.get_by_role("button", name="Commit 3 new transactions").click)
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"Load \d+ committed: 3 transactions written\."))
    expect(page.get_by_test_id("actuals-loads")).to_contain_text("december.csv")
    written = live_server.read(
        lambda: db.session.scalar(
            sa.select(sa.func.count(ActualTransaction.id)).where(ActualTransaction.document_number == number)
        )
    )
    assert written == 3

    page.goto(f"{base}/programs/awards/{award_id}", wait_until="load")
    actuals = page.get_by_test_id("award-actuals")
    expect(actuals).to_contain_text("$248,799.75")  # obligated: 250,000.00 − 1,200.25
    expect(actuals).to_contain_text("$42,000.50")

    page.goto(f"{base}/appropriations/{appropriation_id}", wait_until="load")
    navigate(page, page.get_by_role("link", name="Execution: plan against actual").click)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Execution: {account} FY{year}")
    page.get_by_label("As of").fill("2027-01-31")
    navigate(page, page.get_by_role("button", name="Show").click)
    december = page.locator("#execution-months tbody tr").filter(has=page.get_by_role("rowheader", name="2026-12"))
    expect(december.locator("td").nth(1)).to_have_text("$248,799.75")  # obligated in the month
    expect(december.locator("td").nth(2)).to_have_text("$42,000.50")  # expended in the month

    # Every account, then the award pipeline as of the same day: $206,799.25 unliquidated against
    # $42,000.50 spent in the last three months ($14,000.17 a month) is 14.8 months, more than 12.
    navigate(
        page,
        page.get_by_role("navigation", name="Primary navigation")
        .get_by_role("link", name="Execution", exact=True)
        .click,
    )
    page.get_by_label("As of").fill("2027-01-31")
    navigate(page, page.get_by_role("button", name="Show").click)
    expect(page.locator("#execution-accounts")).to_contain_text(f"{account} FY{year}")
    navigate(page, page.get_by_role("link", name="Award pipeline").click)
    row = page.locator("#award-pipeline tbody tr").filter(has_text=number)
    expect(row.locator("td").nth(2)).to_have_text("$206,799.25")
    expect(row.locator("td").nth(6)).to_contain_text("14.8")
    expect(row.locator("td").nth(6)).to_contain_text("flagged")
