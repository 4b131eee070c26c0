"""API tokens end for good with a password change or the owner's deactivation."""

from __future__ import annotations

import re

import sqlalchemy as sa
from helpers import DEMO_PASSWORD, Auth, csrf_from, user

from models import ApiToken, db
from services.office import accounts

NEW_PASSWORD = "correct horse battery staple 7"


def _token(email: str) -> str:
    token = accounts.issue_token(None, user(email), "script")
    db.session.commit()
    return token


def _me(client, token: str) -> int:
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code


def _change_password(client) -> None:
    response = client.post(
        "/profile/password",
        data={
            "csrf_token": Auth(client).csrf(),
            "current_password": DEMO_PASSWORD,
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302


def _set_active(admin_client, email: str, active: bool) -> None:
    record = user(email)
    page = admin_client.get(f"/admin/users/{record.id}/edit").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    data = {
        "csrf_token": csrf_from(page),
        "name": record.name,
        "role": record.role.value,
        "division": record.division_id or "",
        "version": version,
    }
    if active:
        data["active"] = "y"
    assert admin_client.post(f"/admin/users/{record.id}/edit", data=data).status_code == 302


def test_the_profile_page_says_a_password_change_revokes_tokens(client, auth):
    auth.login()
    page = client.get("/profile").get_data(as_text=True)
    assert "Changing your password signs out your other sessions and revokes your API tokens." in page


def test_a_password_change_revokes_the_owners_tokens(app, client, auth):
    token = _token("rm@example.gov")
    others = _token("viewer@example.gov")
    assert _me(client, token) == 200
    auth.login()
    _change_password(client)
    assert _me(app.test_client(), token) == 401
    assert _me(app.test_client(), others) == 200  # someone else's tokens are untouched
    assert "Revoked" in client.get("/profile").get_data(as_text=True)
    fresh = _token("rm@example.gov")  # a new token works with the new password
    assert _me(app.test_client(), fresh) == 200


def test_deactivation_revokes_tokens_for_good(app, client, auth):
    token = _token("staff-ip@example.gov")
    assert _me(app.test_client(), token) == 200
    auth.login("admin@example.gov")
    _set_active(client, "staff-ip@example.gov", active=False)
    assert _me(app.test_client(), token) == 401
    _set_active(client, "staff-ip@example.gov", active=True)
    assert user("staff-ip@example.gov").active
    assert _me(app.test_client(), token) == 401  # reactivation brings back the user, not their old tokens
    live = db.session.scalar(
        sa.select(sa.func.count(ApiToken.id)).where(
            ApiToken.user_id == user("staff-ip@example.gov").id, ApiToken.revoked_at.is_(None)
        )
    )
    assert live == 0
