"""Comments on requests: those in the workflow comment; viewers and administrators change nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from helpers import database_fingerprint, draft_travel_request_id

from models import RequestComment, StaffingRequest, db


def _staffing_request_id() -> int:
    return db.session.scalar(sa.select(StaffingRequest.id).order_by(StaffingRequest.id).limit(1))


@pytest.mark.parametrize("email", ["viewer@example.gov", "admin@example.gov"])
@pytest.mark.parametrize("kind", ["travel", "staffing"])
def test_viewers_and_administrators_cannot_comment(client, auth, email, kind):
    request_id = draft_travel_request_id() if kind == "travel" else _staffing_request_id()
    auth.login(email)
    page = client.get(f"/requests/{kind}/{request_id}")
    assert page.status_code == 200  # they read it
    assert f"/requests/{kind}/{request_id}/comment" not in page.get_data(as_text=True)  # and see no comment form
    before = database_fingerprint()
    response = client.post(
        f"/requests/{kind}/{request_id}/comment", data={"csrf_token": auth.csrf(), "comment": "Looks fine to me."}
    )
    assert response.status_code == 403
    assert database_fingerprint() == before


def test_those_in_the_workflow_still_comment(client, auth):
    request_id = draft_travel_request_id()
    for email in ("rm@example.gov", "head-ip@example.gov", "staff-ip@example.gov"):
        auth.login(email)
        page = client.get(f"/requests/travel/{request_id}").get_data(as_text=True)
        assert f"/requests/travel/{request_id}/comment" in page
        response = client.post(
            f"/requests/travel/{request_id}/comment", data={"csrf_token": auth.csrf(), "comment": f"From {email}"}
        )
        assert response.status_code == 302
        auth.logout()
    bodies = db.session.scalars(
        sa.select(RequestComment.body).where(
            RequestComment.request_kind == "travel", RequestComment.request_id == request_id
        )
    )
    assert {"From rm@example.gov", "From head-ip@example.gov", "From staff-ip@example.gov"} <= set(bodies)
