"""Issue 15: every role sees its next step: the dashboard's to-do, a request's next-step line, and why
a page's form is not theirs. Expected counts come from SQL on the tables, never from the code under test."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
import sqlalchemy as sa
from helpers import DEMO_USER, Auth, actuals_load_id, bearer, csrf_from, import_batch_id, plan_scenario, user

from models import Role, db

LOW_PERCENT = 5  # the threshold the README states
EXPIRY_DAYS = 90


def _sql(query: str, **params):
    return db.session.execute(sa.text(query), params).all()


def _todo(client) -> list[tuple[str, int, str, str]]:
    """(kind, count, sentence, link) of each to-do item on the dashboard, or [("none", 0, text, "")]."""
    page = client.get("/").get_data(as_text=True)
    start = page.index('data-testid="todo"')
    section = page[start : page.index("</section>", start)]
    if 'data-todo="none"' in section:
        return [
            ("none", 0, re.sub(r"\s+", " ", re.sub("<[^>]+>", "", section.split('data-todo="none">')[1])).strip(), "")
        ]
    items = re.findall(r'<li data-todo="([a-z_]+)" data-count="(\d+)">(.*?)<a href="([^"]+)">', section, re.S)
    return [(kind, int(count), " ".join(text.split()), html.unescape(href)) for kind, count, text, href in items]


def _working_scenario() -> tuple[int, int]:
    (row,) = _sql(
        "SELECT id, budget_year FROM scenario ORDER BY CASE WHEN kind = 'plan' THEN 0 ELSE 1 END, "
        "budget_year DESC, id DESC LIMIT 1"
    )
    return row


def _expires(fiscal_year: int, years: int | None) -> dt.date | None:
    return None if years is None else dt.date(fiscal_year + years - 1, 9, 30)


def _funds_expected(today: dt.date) -> tuple[set[int], set[int]]:
    """(appropriations with under 5% of the allotment available, expiring within 90 days with money unplanned)."""
    scenario_id, budget_year = _working_scenario()
    rows = _sql(
        "SELECT a.id, a.fiscal_year, a.availability_years, a.allotted_cents, "
        "COALESCE((SELECT SUM(l.amount_cents) FROM budget_line l WHERE l.appropriation_id = a.id "
        "AND l.scenario_id = :scenario), 0) FROM appropriation a WHERE a.fiscal_year <= :year",
        scenario=scenario_id,
        year=budget_year,
    )
    low, expiring = set(), set()
    for appropriation_id, fiscal_year, years, allotted, planned in rows:
        if not planned and fiscal_year != budget_year:
            continue  # the dashboard lists an earlier year's money only where the scenario plans some
        expires, available = _expires(fiscal_year, years), allotted - planned
        if expires is not None and today > expires:
            continue
        if allotted > 0 and available * 100 < allotted * LOW_PERCENT:
            low.add(appropriation_id)
        if expires is not None and expires <= today + dt.timedelta(days=EXPIRY_DAYS) and available > 0:
            expiring.add(appropriation_id)
    return low, expiring


def _requests_count(where: str, **params) -> int:
    return sum(
        _sql(f"SELECT COUNT(*) FROM {table} WHERE {where}", **params)[0][0]  # noqa: S608 (our own fixed text)
        for table in ("travel_request", "staffing_request")
    )


def test_resource_manager_sees_review_funds_and_waiting_imports(client, auth):
    batch_id = import_batch_id(plan_scenario())
    load_id = actuals_load_id()
    auth.login("rm@example.gov")
    items = _todo(client)
    by_kind: dict[str, list] = {}
    for item in items:
        by_kind.setdefault(item[0], []).append(item)

    submitted = _requests_count("status = 'submitted'")
    assert submitted > 0
    assert [(count, link) for _, count, _, link in by_kind["review"]] == [(submitted, "/requests/review")]
    assert f"{submitted} requests await your review." in by_kind["review"][0][2]

    scenario_id, _ = _working_scenario()
    low, expiring = _funds_expected(dt.date.today())
    assert low, "the demo office plans some appropriation to within 5% of its allotment"
    assert {link for *_, link in by_kind.get("low_funds", [])} == {
        f"/appropriations/{a}?scenario={scenario_id}" for a in low
    }
    assert {link for *_, link in by_kind.get("expiring", [])} == {
        f"/appropriations/{a}?scenario={scenario_id}" for a in expiring
    }

    waiting_batches = {row[0] for row in _sql("SELECT id FROM import_batch WHERE status = 'preview'")}
    assert batch_id in waiting_batches
    assert {link for *_, link in by_kind["workbook_import"]} == {f"/imports/{b}" for b in waiting_batches}
    waiting_loads = {row[0] for row in _sql("SELECT id FROM actuals_load WHERE status = 'preview'")}
    assert load_id in waiting_loads
    assert {link for *_, link in by_kind["actuals_load"]} == {f"/actuals/imports/{i}" for i in waiting_loads}
    # The budget office's own drafts: none in the demo office, so no submission item.
    rmp = user("rm@example.gov").division_id
    assert _requests_count("division_id = :d AND status IN ('draft', 'returned')", d=rmp) == 0
    assert "submit" not in by_kind
    assert "returned" not in by_kind


def test_division_head_sees_their_divisions_drafts_and_returned_requests(client, auth):
    auth.login("head-ip@example.gov")
    items = _todo(client)
    ip = user("head-ip@example.gov").division_id
    drafts = _requests_count("division_id = :d AND status = 'draft'", d=ip)
    returned = _requests_count("division_id = :d AND status = 'returned'", d=ip)
    assert drafts
    assert returned
    assert [(kind, count, link) for kind, count, _, link in items] == [
        ("submit", drafts, f"/requests/?status=draft&division={ip}"),
        ("returned", returned, f"/requests/?status=returned&division={ip}"),
    ]
    assert f"{drafts} drafts of International Programs await your submission." in items[0][2]


def test_staff_see_their_returned_requests_and_drafts(client, auth):
    auth.login("staff-ip@example.gov")
    items = _todo(client)
    me = user("staff-ip@example.gov").id
    returned = _requests_count("created_by_id = :me AND status = 'returned'", me=me)
    drafts = _requests_count("created_by_id = :me AND status = 'draft'", me=me)
    assert returned
    assert drafts
    assert [(kind, count, link) for kind, count, _, link in items] == [
        ("returned", returned, "/requests/?status=returned"),
        ("drafts", drafts, "/requests/?status=draft"),
    ]
    assert "your division head" in items[1][2]


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ADMIN], ids=str)
def test_nothing_needs_those_who_take_no_part(client, auth, role):
    auth.login(DEMO_USER[role])
    assert _todo(client) == [("none", 0, "Nothing needs you now.", "")]


def test_a_returned_request_leaves_staffs_to_do_once_resubmitted(client, auth):
    me = user("staff-ip@example.gov").id
    (request_id,) = _sql(
        "SELECT id FROM travel_request WHERE created_by_id = :me AND status = 'returned' ORDER BY id LIMIT 1", me=me
    )[0]
    db.session.execute(sa.text("UPDATE travel_request SET status = 'submitted' WHERE id = :id"), {"id": request_id})
    db.session.commit()
    auth.login("staff-ip@example.gov")
    returned = _requests_count("created_by_id = :me AND status = 'returned'", me=me)
    kinds = {kind: count for kind, count, *_ in _todo(client)}
    assert kinds.get("returned", 0) == returned


def _staff_request(status: str) -> int:
    me = user("staff-ip@example.gov").id
    return _sql(
        "SELECT id FROM travel_request WHERE created_by_id = :me AND status = :s ORDER BY id LIMIT 1", me=me, s=status
    )[0][0]


def test_staff_draft_says_the_division_head_submits_it(client, auth):
    draft = _staff_request("draft")
    auth.login("staff-ip@example.gov")
    page = client.get(f"/requests/travel/{draft}").get_data(as_text=True)
    assert "Your division head submits it for review." in page
    assert f"/requests/travel/{draft}/submit" not in page
    assert "Delete draft" in page
    assert ">Edit</a>" in page


def test_a_returned_request_shows_why_and_is_edited_not_deleted(client, auth):
    returned = _staff_request("returned")
    reviewer_comment = _sql(
        "SELECT c.body FROM request_comment c JOIN travel_request r ON r.id = c.request_id "
        "WHERE c.request_kind = 'travel' AND r.id = :id AND c.author_id = r.decided_by_id "
        "ORDER BY c.at DESC, c.id DESC LIMIT 1",
        id=returned,
    )
    auth.login("staff-ip@example.gov")
    page = client.get(f"/requests/travel/{returned}").get_data(as_text=True)
    assert reviewer_comment, "the demo office returns requests with a reason"
    shown = page[page.index('data-testid="return-comment"') :]
    assert html.escape(reviewer_comment[0][0], quote=False) in shown.split("</div>")[0]
    assert "Delete draft" not in page
    assert f'href="/requests/travel/{returned}/edit"' in page
    assert "your division head then submits it again" in page

    # Deleting it anyway is refused, on the page and through the API; the request stays.
    version = _sql("SELECT version FROM travel_request WHERE id = :id", id=returned)[0][0]
    client.post(f"/requests/travel/{returned}/delete", data={"csrf_token": csrf_from(page), "version": version})
    api = client.delete(f"/api/v1/travel-requests/{returned}?version={version}", headers=bearer("staff-ip@example.gov"))
    assert api.status_code == 409
    assert "edited and resubmitted, not deleted" in api.get_data(as_text=True)
    assert _sql("SELECT status FROM travel_request WHERE id = :id", id=returned) == [("returned",)]


def test_the_division_head_edits_and_resubmits_a_returned_request(client, auth):
    returned = _staff_request("returned")
    auth.login("head-ip@example.gov")
    page = client.get(f"/requests/travel/{returned}").get_data(as_text=True)
    assert ">Edit and resubmit</a>" in page
    assert f"/requests/travel/{returned}/submit" in page
    assert "Delete draft" not in page


def test_staff_draft_staffing_and_the_resource_manager_drafts_travel(app, client, auth):
    auth.login("staff-ip@example.gov")
    assert client.get("/requests/staffing/new").status_code == 200
    assert "Request staff" in client.get("/requests/").get_data(as_text=True)
    client = app.test_client()
    Auth(client).login("rm@example.gov")
    assert client.get("/requests/travel/new").status_code == 200
    assert "Request travel" in client.get("/requests/").get_data(as_text=True)


def test_the_allocation_page_says_who_runs_it(app, client, auth):
    scenario = plan_scenario().id
    auth.login("staff-ip@example.gov")
    page = client.get(f"/scenarios/{scenario}/allocation").get_data(as_text=True)
    assert "Resource managers run the allocation" in page
    assert "disabled" not in page
    assert "allocation-settings" not in page
    client = app.test_client()
    Auth(client).login("rm@example.gov")
    page = client.get(f"/scenarios/{scenario}/allocation").get_data(as_text=True)
    assert "allocation-settings" in page
    assert "Resource managers run the allocation" not in page
