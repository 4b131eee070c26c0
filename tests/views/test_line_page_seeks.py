"""The lines page's Next link and the API list's `next_after` read the next page by a seek: the
page it leads to holds the lines that follow, as page numbers would give them."""

from __future__ import annotations

import re
from html import unescape

import sqlalchemy as sa
from helpers import bearer, plan_scenario

from models import BudgetLine, db
from seeding.loaders import load_scale_lines


def _plan_ids(app) -> tuple[int, list[int]]:
    with app.app_context():
        plan = plan_scenario()
        load_scale_lines(plan.id, 130, seed=11)
        db.session.commit()
        return plan.id, sorted(db.session.scalars(sa.select(BudgetLine.id).where(BudgetLine.scenario_id == plan.id)))


def test_the_next_link_seeks_the_following_lines(app, client, auth):
    plan_id, ids = _plan_ids(app)
    auth.login("viewer@example.gov")
    first = client.get(f"/lines?scenario={plan_id}&per_page=25").get_data(as_text=True)
    following = unescape(re.search(r'href="([^"]+)"[^>]*aria-label="Next page"', first).group(1))
    assert f"after={ids[24]}" in following
    second = client.get(following).get_data(as_text=True)
    shown = [int(n) for n in re.findall(r'href="/lines/(\d+)"', second)]
    assert shown == ids[25:50]
    back = unescape(re.search(r'href="([^"]+)"[^>]*aria-label="Previous page"', second).group(1))
    assert [int(n) for n in re.findall(r'href="/lines/(\d+)"', client.get(back).get_data(as_text=True))] == ids[:25]


def test_the_api_list_gives_the_seek_to_the_next_page(app, client):
    plan_id, ids = _plan_ids(app)
    headers = bearer("viewer@example.gov")
    first = client.get(f"/api/v1/budget-lines?scenario={plan_id}&per_page=50", headers=headers).get_json()
    assert first["next_after"] == ids[49]
    assert first["total"] == len(ids)
    read = [item["id"] for item in first["items"]]
    answer, page = first, 1
    while answer["next_after"] is not None:
        page += 1
        answer = client.get(
            f"/api/v1/budget-lines?scenario={plan_id}&per_page=50&page={page}&after={answer['next_after']}",
            headers=headers,
        ).get_json()
        assert answer["page"] == page
        read += [item["id"] for item in answer["items"]]
    assert read == ids
    assert client.get("/api/v1/budget-lines?after=x", headers=headers).status_code == 400
