"""Issue 15: each role signs in at 1366×900 and sees, without scrolling, what needs them next; the
dashboard never scrolls sideways. Expected counts come from SQL on the tables."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from browser import LAPTOP, sign_in
from helpers import DEMO_USER
from playwright.sync_api import Page, expect

from models import Role, db


def _count(where: str, **params) -> int:
    return sum(
        db.session.execute(sa.text(f"SELECT COUNT(*) FROM {table} WHERE {where}"), params).scalar_one()  # noqa: S608
        for table in ("travel_request", "staffing_request")
    )


def _one(query: str, **params):
    return db.session.execute(sa.text(query), params).scalar_one()


def _expected_item(role: Role):
    """(data-todo kind, count, words the sentence holds) of the item this role sees first, from SQL."""
    if role == Role.RESOURCE_MANAGER:
        return "review", _count("status = 'submitted'"), "await your review"
    if role == Role.DIVISION_HEAD:
        division = _one("SELECT division_id FROM user_account WHERE email = 'head-ip@example.gov'")
        return "submit", _count("division_id = :d AND status = 'draft'", d=division), "await your submission"
    if role == Role.STAFF:
        me = _one("SELECT id FROM user_account WHERE email = 'staff-ip@example.gov'")
        return "returned", _count("created_by_id = :me AND status = 'returned'", me=me), "returned for changes"
    return "none", 0, "Nothing needs you now."


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_each_role_sees_its_next_step_on_the_dashboard(page: Page, live_server, role):
    kind, count, words = live_server.read(lambda: _expected_item(role))
    page.set_viewport_size(LAPTOP)
    sign_in(page, live_server.url, DEMO_USER[role])
    assert page.url.rstrip("/") == live_server.url

    todo = page.get_by_role("region", name="What needs you")
    expect(todo).to_be_in_viewport()
    item = todo.locator(f'[data-todo="{kind}"]')
    expect(item).to_be_in_viewport()
    expect(item).to_contain_text(words)
    if kind != "none":
        assert count > 0
        expect(item).to_have_attribute("data-count", str(count))
        expect(item).to_contain_text(f"{count} ")
        expect(item.get_by_role("link")).to_be_in_viewport()

    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
