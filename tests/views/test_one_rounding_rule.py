"""One rounding rule, as people read it: an amount on a page is the amount held, to the cent.

A trip's cost reads the same on its page, on its committed line and as the move in
Committed in the status of funds; a total on a page reads as the sum of its rows; allocating
every dollar leaves $0 available, as the run's page said it would.
"""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from helpers import allocation_run_id, appropriation, csrf_from, plan_scenario

from models import BudgetLine, LineSource, RequestStatus, Scenario, TravelRequest, db
from money import parse_money, to_cents
from services.budget.dashboard import build_dashboard, working_scenario

_AMOUNT = r"-?\$[0-9,]+(?:\.[0-9]{2})?"


def _cents(text: str) -> int:
    """A page's amount back in cents: '-$1,234.50' -> -123450."""
    return to_cents(parse_money(text.strip().replace("$", ""), allow_grouping=True))


def _after(html: str, label: str) -> str:
    """The amount in the <dd> after the <dt> that reads `label`."""
    match = re.search(rf"<dt>{re.escape(label)}</dt>\s*<dd[^>]*>({_AMOUNT})</dd>", html)
    assert match, f"no {label!r} on the page"
    return match.group(1)


def _committed(client, request: TravelRequest) -> int:
    html = client.get(f"/appropriations/{request.appropriation_id}?scenario={request.scenario_id}").get_data(
        as_text=True
    )
    return _cents(_after(html, "Committed"))


def test_a_trip_with_cents_reads_the_same_from_its_page_to_the_status_of_funds(client, auth):
    # The demo's submitted trips include ones costing 50 cents past a dollar ($3,463.50).
    trip = db.session.scalars(
        sa.select(TravelRequest)
        .where(TravelRequest.status == RequestStatus.SUBMITTED, TravelRequest.total_cents % 100 != 0)
        .order_by(TravelRequest.id)
    ).first()
    assert trip is not None
    trip_id, cents = trip.id, trip.total_cents
    auth.login("rm@example.gov")
    committed_before = _committed(client, trip)

    page = client.get(f"/requests/travel/{trip_id}").get_data(as_text=True)
    shown_total = re.search(rf'data-testid="request-total">({_AMOUNT})<', page).group(1)
    assert _cents(shown_total) == cents
    assert _cents(_after(page, "This request")) == cents

    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    response = client.post(
        f"/requests/travel/{trip_id}/approve", data={"csrf_token": csrf_from(page), "version": version}
    )
    assert response.status_code == 302
    db.session.expire_all()

    line = db.session.scalar(
        sa.select(BudgetLine).where(BudgetLine.source == LineSource.TRAVEL, BudgetLine.source_id == trip_id)
    )
    assert line.amount_cents == cents
    page = client.get(f"/requests/travel/{trip_id}").get_data(as_text=True)
    lines_table = page[page.index('data-testid="request-lines"') :]
    shown_line = re.search(rf'<td class="money">({_AMOUNT})</td>', lines_table).group(1)
    assert _cents(shown_line) == cents
    assert _committed(client, db.session.get(TravelRequest, trip_id)) - committed_before == cents


def _rows_and_total(html: str, heading: str) -> tuple[list[int], int]:
    table = html[html.index(f"<h2>{heading}</h2>") :]
    table = table[: table.index("</table>")]
    body, foot = table.split("<tfoot>")
    rows = [_cents(a) for a in re.findall(rf'<td class="money">({_AMOUNT})</td>', body)]
    total = _cents(re.search(rf'<td class="money">({_AMOUNT})</td>', foot).group(1))
    return rows, total


def test_a_scenarios_total_reads_as_the_sum_of_its_rows(client, auth):
    auth.login("viewer@example.gov")
    checked = 0
    for scenario_id in db.session.scalars(sa.select(Scenario.id).order_by(Scenario.id)):
        html = client.get(f"/scenarios/{scenario_id}").get_data(as_text=True)
        rows, total = _rows_and_total(html, "By appropriation")
        assert sum(rows) == total, f"scenario {scenario_id}"
        # And each row reads as the cents its lines hold.
        held = db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(BudgetLine.amount_cents), 0)).where(
                BudgetLine.scenario_id == scenario_id
            )
        )
        assert total == held
        checked += bool(rows)
    assert checked


def test_allocating_every_dollar_leaves_0_available_as_the_page_promised(client, auth):
    plan = plan_scenario()
    incle = appropriation("INCLE", 2027)
    run_id = allocation_run_id(plan)  # "Allocate every dollar of each appropriation" is the default
    auth.login("rm@example.gov")
    page = client.get(f"/allocation-runs/{run_id}").get_data(as_text=True)
    preview = re.search(r'data-testid="apply-plan">(.*?)</p>', page, re.S).group(1)
    promised = _cents(re.search(rf"totalling ({_AMOUNT})", preview).group(1))
    assert "$0.50 its funds have beyond them" in preview  # INCLE FY2027 has 50 cents past a dollar

    response = client.post(f"/allocation-runs/{run_id}/apply", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    db.session.expire_all()
    written = db.session.scalar(
        sa.select(sa.func.sum(BudgetLine.amount_cents)).where(
            BudgetLine.source == LineSource.ALLOCATION, BudgetLine.source_id == run_id
        )
    )
    assert written == promised
    html = client.get(f"/appropriations/{incle.id}?scenario={plan.id}").get_data(as_text=True)
    assert _after(html, "Available") == "$0"


def test_a_charts_table_reads_as_the_status_of_funds(client, auth):
    # The dashboard's chart table floored cents: Planned read a dollar short of the table below it.
    auth.login("viewer@example.gov")
    html = client.get("/").get_data(as_text=True)
    chart = html[html.index('id="chart-allotted-planned-and-obligated-by-appropriation"') :]
    chart = chart[: chart.index("</figure>")]
    funds = build_dashboard(working_scenario(), dt.date.today()).funds
    assert any(status.planned_cents % 100 for status in funds)  # the demo plans amounts with cents
    for status in funds:
        row = re.search(rf'<th scope="row">{re.escape(status.appropriation.label)}</th>(.*?)</tr>', chart, re.S)
        shown = [_cents(a) for a in re.findall(rf'<td class="money">({_AMOUNT})</td>', row.group(1))]
        assert shown == [status.allotted_cents, status.planned_cents, status.obligated_cents]
