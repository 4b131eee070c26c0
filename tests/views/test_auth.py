"""Sign-in, sessions that end everywhere, throttling, headers."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from helpers import DEMO_PASSWORD, Auth, csrf_from, user

from app import create_app
from config import ProductionConfig
from models import LoginAttempt, db


def test_passwords_are_argon2id_hashes(app):
    assert user("rm@example.gov").password_hash.startswith("$argon2id$")


def test_sign_in_and_out(client, auth):
    assert client.get("/").status_code == 302
    response = auth.login()
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    auth.logout()
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_wrong_password_says_so_without_revealing_which_part(client, auth):
    response = auth.login("rm@example.gov", "not-the-password")
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert "The email or password is not right." in page
    unknown = auth.login("nobody@example.gov", "whatever-password")
    assert "The email or password is not right." in unknown.get_data(as_text=True)


def test_next_only_goes_to_this_site(client):
    page = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login?next=//evil.example/x",
        data={"email": "rm@example.gov", "password": DEMO_PASSWORD, "csrf_token": csrf_from(page)},
    )
    assert response.headers["Location"] == "/"


def test_failed_sign_ins_are_throttled(app, client, auth):
    limit = app.config["LOGIN_FREE_FAILURES"]
    for _ in range(limit):
        assert auth.login("viewer@example.gov", "wrong-password").status_code == 401
    response = auth.login("viewer@example.gov", DEMO_PASSWORD)  # even the right password waits
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(LoginAttempt.id))) == limit


def test_logout_ends_every_session_of_the_user(app):
    laptop, phone = app.test_client(), app.test_client()
    Auth(laptop).login()
    Auth(phone).login()
    assert phone.get("/").status_code == 200
    Auth(laptop).logout()
    assert phone.get("/").status_code == 302


def test_password_change_ends_other_sessions_but_not_this_one(app):
    laptop, phone = app.test_client(), app.test_client()
    Auth(laptop).login()
    Auth(phone).login()
    response = laptop.post(
        "/profile/password",
        data={
            "csrf_token": Auth(laptop).csrf(),
            "current_password": DEMO_PASSWORD,
            "password": "a-much-longer-passphrase",
            "confirm": "a-much-longer-passphrase",
        },
    )
    assert response.status_code == 302
    assert laptop.get("/").status_code == 200
    assert phone.get("/").status_code == 302
    assert Auth(app.test_client()).login("rm@example.gov", "a-much-longer-passphrase").status_code == 302


def test_deactivation_ends_sessions(app, client, auth):
    staff_client = app.test_client()
    Auth(staff_client).login("staff-ip@example.gov")
    assert staff_client.get("/").status_code == 200
    auth.login("admin@example.gov")
    staff = user("staff-ip@example.gov")
    page = client.get(f"/admin/users/{staff.id}/edit").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    response = client.post(
        f"/admin/users/{staff.id}/edit",
        data={
            "csrf_token": csrf_from(page),
            "name": staff.name,
            "role": "staff",
            "division": staff.division_id,
            "version": version,
        },
    )  # the "active" checkbox unticked
    assert response.status_code == 302
    assert staff_client.get("/").status_code == 302


def test_security_headers_and_no_inline_script(client, auth):
    auth.login()
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    page = response.get_data(as_text=True)
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    assert re.findall(r"\son[a-z]+=", page) == []
    assert " style=" not in page


def test_state_changes_refuse_get(client, auth):
    auth.login()
    assert client.get("/logout").status_code == 405
    assert client.get("/lines/1/delete").status_code == 405
    assert "POST" in client.get("/logout").headers["Allow"]  # RFC 9110: every 405 names what is allowed


def test_production_refuses_the_development_secret_key():
    class Unsafe(ProductionConfig):
        SQLALCHEMY_DATABASE_URI = "sqlite://"
        SECRET_KEY = "dev-only-not-secret"

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(Unsafe)
