"""A resource manager selects proposals for the demo notice, overrides the panel's choice once,
makes the awards, and finds them in the out-year mortgage and in the FY2027 plan."""

from __future__ import annotations

import re
from decimal import Decimal

import sqlalchemy as sa
from browser import navigate, sign_in
from playwright.sync_api import Locator, Page, expect

from models import Award, FundingNotice, Proposal, SelectionRun, db

NOTICE = "SFOP0010027"
BUDGET_DOLLARS = 12_000_000
PLAN = "FY2027 plan"
ACCOUNT = "INCLE"
YEAR = 2027
STARTS_ON = "2027-01-02"


def dollars(text: str) -> int:
    """Whole dollars from a page's "$1,234,567"."""
    match = re.search(r"-?\$[\d,]+", text)
    assert match, f"no dollar amount in {text!r}"
    return int(match.group().replace("$", "").replace(",", ""))


def primary_nav(page: Page, label: str) -> None:
    nav = page.get_by_role("navigation", name="Primary navigation")
    navigate(page, nav.get_by_role("link", name=label, exact=True).click)


def program_tab(page: Page, label: str) -> None:
    tabs = page.get_by_role("navigation", name="Programs", exact=True)
    navigate(page, tabs.get_by_role("link", name=label, exact=True).click)


def matrix_cell(table: Locator, row_label: str, column: str) -> int:
    """Whole dollars in the cell of `row_label` (a row header) and `column` (a column header)."""
    headers = [text.strip() for text in table.locator("thead th").all_inner_texts()]
    row = table.locator("tbody tr", has=table.page.locator("th", has_text=re.compile(rf"^{row_label}$")))
    expect(row).to_have_count(1)
    cells = row.locator("th, td")
    return dollars(cells.nth(headers.index(column)).inner_text())


def awards_in_plan(page: Page) -> int:
    """Status of funds → the FY2027 plan → INCLE FY2027: its "Of which awards", whole dollars."""
    primary_nav(page, "Status of funds")
    navigate(page, lambda: page.get_by_label("Scenario").select_option(label=PLAN))  # submits on change
    row = page.locator("tbody tr", has=page.get_by_role("link", name=f"{ACCOUNT} FY{YEAR}", exact=True))
    expect(row).to_contain_text(PLAN)
    navigate(page, row.get_by_role("link", name=f"{ACCOUNT} FY{YEAR}", exact=True).click)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{ACCOUNT} FY{YEAR}")
    expect(page.locator("dl.record")).to_contain_text(f"Planned in {PLAN}")
    of_which = page.locator("dt", has_text="Of which awards").locator("xpath=following-sibling::dd[1]")
    return dollars(of_which.inner_text())


def mortgage_cell(page: Page) -> int:
    """Programs → Out-years: FY2027's claim on INCLE, whole dollars."""
    primary_nav(page, "Programs")
    program_tab(page, "Out-years")
    expect(page.get_by_role("heading", level=1)).to_have_text("Out-year mortgage")
    return matrix_cell(page.get_by_test_id("mortgage-by-account"), f"FY{YEAR}", ACCOUNT)


def _award_ids() -> set[int]:
    return set(db.session.scalars(sa.select(Award.id)))


def _latest_run() -> SelectionRun:
    return db.session.scalar(sa.select(SelectionRun).order_by(SelectionRun.id.desc()).limit(1))


def _widest_spread() -> tuple[str, Decimal, Decimal]:
    """The notice's proposal the reviewers disagreed on most: number, mean score, max − min."""
    notice = db.session.scalar(sa.select(FundingNotice).where(FundingNotice.number == NOTICE))
    found = []
    for proposal in notice.proposals:
        scores = [Decimal(s.score_hundredths) / 100 for s in proposal.scores]
        if scores:
            found.append((max(scores) - min(scores), proposal.number, sum(scores) / len(scores)))
    spread, number, mean = max(found)
    return number, mean.quantize(Decimal("0.01")), spread


def _new_awards(before: set[int]) -> list[dict]:
    awards = db.session.scalars(sa.select(Award).where(Award.id.not_in(before)).order_by(Award.number))
    return [
        {
            "number": award.number,
            "status": award.status.value,
            "proposal": db.session.get(Proposal, award.proposal_id).number if award.proposal_id else None,
            "funding": {(f.fiscal_year, f.account_code): f.amount_cents for f in award.funding},
        }
        for award in awards
    ]


def _decimal_cell(row: Locator, testid: str) -> Decimal:
    return Decimal(row.get_by_test_id(testid).inner_text().strip())


def test_select_override_award_and_see_the_mortgage(page: Page, live_server):
    sign_in(page, live_server.url, "rm@example.gov")
    # What the awards already claim, as the pages show it before this journey.
    awards_before = awards_in_plan(page)
    mortgage_before = mortgage_cell(page)

    # 1. Programs → Funding notices → the demo notice; its proposals show merit and spread.
    program_tab(page, "Funding notices")
    notices = page.get_by_test_id("notices")
    navigate(page, notices.get_by_role("link", name=NOTICE, exact=True).click)
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Notice {NOTICE}")
    expect(page.get_by_test_id("notice-amount")).to_have_text(f"${BUDGET_DOLLARS:,}")
    proposals = page.get_by_test_id("proposals")
    expect(proposals.get_by_role("columnheader", name=re.compile(r"^Merit"))).to_be_visible()
    expect(proposals.get_by_role("columnheader", name=re.compile(r"^Spread"))).to_be_visible()
    expect(proposals.locator("tbody tr[data-proposal]")).to_have_count(150)
    number, mean, spread = live_server.read(_widest_spread)
    row = proposals.locator(f'tr[data-proposal="{number}"]')
    assert _decimal_cell(row, "merit") == mean
    assert _decimal_cell(row, "spread") == spread

    # 2. Run the selection: optimal, within the $12,000,000, with the ones left out explained.
    navigate(page, page.get_by_role("button", name="Run the selection", exact=True).click)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Selection run")
    expect(page.get_by_test_id("run-status")).to_contain_text("Optimal")
    expect(page.get_by_test_id("budget")).to_have_text(f"${BUDGET_DOLLARS:,}")
    total_cost = dollars(page.get_by_test_id("total-cost").inner_text())
    assert 0 < total_cost <= BUDGET_DOLLARS
    selected = page.get_by_test_id("selected")
    selected_rows = selected.locator("tbody tr[data-proposal]")
    merits = {
        row.get_attribute("data-proposal"): Decimal(row.locator("td").nth(5).inner_text())
        for row in selected_rows.all()
    }
    assert merits
    costs = [dollars(row.locator("td").nth(4).inner_text()) for row in selected_rows.all()]
    assert sum(costs) == total_cost
    unfunded = page.get_by_test_id("unfunded").locator("tbody tr[data-proposal]")
    assert unfunded.count() > 0
    for row in unfunded.all()[:10]:
        assert Decimal(row.locator("td").nth(5).inner_text()) > min(merits.values())
        reason = row.locator("td").nth(6).inner_text().strip()
        assert reason.startswith(("The budget", "Rule ")), reason
    expect(page.get_by_test_id("unfunded")).to_contain_text("The budget: the money left is too little for it.")

    # 3. Force the best-scoring selected proposal out, from the run page, and run it again.
    first_run = live_server.read(_latest_run).id
    forced = max(merits, key=lambda key: merits[key])
    navigate(page, page.get_by_test_id(f"force_out-{forced}").click)
    expect(page).to_have_url(re.compile(rf"/selection-runs/{first_run}$"))
    expect(page.locator(".app-flashes")).to_contain_text(f"{forced}: excluded")
    expect(page.get_by_test_id("award-blockers")).to_contain_text("run the selection again")
    navigate(page, page.get_by_role("button", name="Run the selection again").click)
    expect(page).not_to_have_url(re.compile(rf"/selection-runs/{first_run}$"))
    expect(page.get_by_test_id("run-status")).to_contain_text("Optimal")
    expect(page.get_by_test_id("selected").locator(f'tr[data-proposal="{forced}"]')).to_have_count(0)
    excluded_row = page.get_by_test_id("unfunded").locator(f'tr[data-proposal="{forced}"]')
    expect(excluded_row).to_contain_text("Excluded: forced out by the panel.")
    rerun = live_server.read(_latest_run)
    assert rerun.id != first_run
    assert forced not in rerun.result["selected"]
    assert [u["reason"] for u in rerun.result["unfunded"] if u["id"] == forced] == ["exclude"]
    assert rerun.problem["exclude"] == [forced]
    rerun_selected = set(rerun.result["selected"])
    rerun_cost = dollars(page.get_by_test_id("total-cost").inner_text())
    assert rerun_cost <= BUDGET_DOLLARS

    # 4. Make the awards: one pending award per selected proposal.
    before = live_server.read(_award_ids)
    page.get_by_label("Awards start on").fill(STARTS_ON)
    page.once("dialog", lambda dialog: dialog.accept())
    navigate(page, page.get_by_role("button", name="Make awards").click)
    count = len(rerun_selected)
    expect(page.locator(".app-flashes")).to_contain_text(f"{count} pending award(s) made from notice {NOTICE}")
    new_awards = live_server.read(lambda: _new_awards(before))
    assert len(new_awards) == count
    assert {a["number"] for a in new_awards} == {f"{NOTICE}-{number}" for number in rerun_selected}
    assert {a["status"] for a in new_awards} == {"pending"}

    filters = page.get_by_role("form", name="Filter awards")
    expect(filters.get_by_label("Number, title or partner")).to_have_value(NOTICE)
    filters.get_by_label("Status").select_option(label="Pending")
    navigate(page, filters.get_by_role("button", name="Filter").click)
    expect(page.get_by_test_id("totals-summary")).to_contain_text(f"{count} awards")
    award_rows = page.get_by_test_id("awards").locator("tbody tr")
    expect(award_rows).to_have_count(count)
    for row in award_rows.all():
        expect(row.locator("td").nth(7)).to_have_text("Pending")
    assert dollars(page.get_by_test_id("awards-total").inner_text()) * 100 == sum(
        sum(a["funding"].values()) for a in new_awards
    )

    # One of them, with out-years: its funding schedule and its line in the FY2027 plan.
    award = next((a for a in new_awards if len(a["funding"]) > 1), new_awards[0])
    navigate(page, page.get_by_role("link", name=award["number"], exact=True).click)
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Award {award['number']}")
    expect(page.get_by_test_id("award-status")).to_have_text("Pending")
    schedule = page.get_by_test_id("funding-schedule").locator("tbody tr")
    expect(schedule).to_have_count(len(award["funding"]))
    for (year, account), cents in award["funding"].items():
        schedule_row = schedule.filter(has_text=re.compile(rf"FY{year}\s*{account}"))
        expect(schedule_row).to_contain_text(f"${cents // 100:,}")
    first_year = award["funding"][(YEAR, ACCOUNT)]
    line = page.get_by_test_id("award-lines").locator("tbody tr", has_text=PLAN)
    expect(line).to_have_count(1)
    expect(line).to_contain_text(f"{ACCOUNT} FY{YEAR}")
    expect(line).to_contain_text(f"${first_year // 100:,}")

    # 5. The out-year mortgage: FY2027 INCLE up by exactly the new awards' FY2027 funding.
    added_cents = sum(a["funding"].get((YEAR, ACCOUNT), 0) for a in new_awards)
    assert added_cents == rerun_cost * 100  # each award's first year is its proposal's cost
    assert mortgage_cell(page) * 100 == mortgage_before * 100 + added_cents
    expect(page.locator("#chart-mortgage-account svg")).to_be_visible()

    # 6. Status of funds: the FY2027 plan's INCLE lines of which awards, up by the same.
    assert awards_in_plan(page) * 100 == awards_before * 100 + added_cents


def test_other_divisions_read_the_notice_but_do_not_run_it(page: Page, live_server):
    sign_in(page, live_server.url, "head-rpa@example.gov")
    primary_nav(page, "Programs")
    program_tab(page, "Funding notices")
    navigate(page, page.get_by_test_id("notices").get_by_role("link", name=NOTICE, exact=True).click)
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Notice {NOTICE}")
    expect(page.get_by_test_id("proposals").locator("tbody tr[data-proposal]")).to_have_count(150)
    expect(page.get_by_role("button", name=re.compile("Run the selection"))).to_have_count(0)
    expect(page.get_by_role("link", name="Add a proposal")).to_have_count(0)
