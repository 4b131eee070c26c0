"""The password policy, wherever a password is set: the profile page, an administrator's new user, the CLI.

At least 12 characters, more than a few different ones, not the email's name, not one of the
common passwords in fixtures/common-passwords.txt.gz, and not the current password.
"""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa
from helpers import DEMO_PASSWORD, Auth, csrf_from, database_fingerprint, user

from models import User, db

HEAD = "head-ip@example.gov"
COMMON = "That is one of the most common passwords. Choose another."
# (new password, what the person is told); the email's name is head-ip (or new-analyst for a new user)
BAD_PASSWORDS = [
    ("aaaaaaaaaaaa", "Use more than a few different characters."),
    ("qwerty123456", COMMON),
    ("Q1W2E3R4T5Y6", COMMON),  # the list is compared ignoring case
    ("our-HEAD-IP-budget-2027", "Don't use your email's name (“head-ip”) in the password."),
]


def _field_error(page: str, field: str) -> str:
    found = re.search(rf'id="{field}-error-message" role="alert">(.*?)</span>', page, re.S)
    assert found, f"no error on {field}"
    return html.unescape(found.group(1))


def _change_password(client, new: str):
    return client.post(
        "/profile/password",
        data={"csrf_token": Auth(client).csrf(), "current_password": DEMO_PASSWORD, "password": new, "confirm": new},
    )


@pytest.mark.parametrize(("new", "message"), BAD_PASSWORDS, ids=[p for p, _ in BAD_PASSWORDS])
def test_profile_refuses_a_weak_new_password(client, auth, new, message):
    auth.login(HEAD)
    before = database_fingerprint()
    hash_before = user(HEAD).password_hash
    response = _change_password(client, new)
    assert response.status_code == 422
    assert _field_error(response.get_data(as_text=True), "password") == message
    assert database_fingerprint() == before
    assert user(HEAD).password_hash == hash_before


def test_profile_refuses_the_current_password_again(client, auth):
    auth.login(HEAD)
    before = database_fingerprint()
    response = _change_password(client, DEMO_PASSWORD)
    assert response.status_code == 422
    message = _field_error(response.get_data(as_text=True), "password")
    assert message == "That is your current password. Choose a new one."
    assert database_fingerprint() == before


NEW_USER_BAD = [
    ("aaaaaaaaaaaa", "Use more than a few different characters."),
    ("1qaz2wsx3edc", COMMON),
    ("New-Analyst-2027!", "Don't use your email's name (“new-analyst”) in the password."),
]


@pytest.mark.parametrize(("password", "message"), NEW_USER_BAD, ids=[p for p, _ in NEW_USER_BAD])
def test_an_administrator_cannot_give_a_new_user_a_weak_password(client, auth, password, message):
    auth.login("admin@example.gov")
    page = client.get("/admin/users/new").get_data(as_text=True)
    before = database_fingerprint()
    response = client.post(
        "/admin/users/new",
        data={
            "csrf_token": csrf_from(page),
            "email": "new-analyst@example.gov",
            "name": "New Analyst",
            "role": "viewer",
            "division": "",
            "active": "y",
            "password": password,
        },
    )
    assert response.status_code == 422
    assert _field_error(response.get_data(as_text=True), "password") == message
    assert database_fingerprint() == before


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("aaaaaaaaaaaa", "Use more than a few different characters."),
        ("qwerty123456", COMMON),
        ("cli-analyst-passphrase", "Don't use your email's name (“cli-analyst”) in the password."),
    ],
)
def test_users_create_refuses_a_weak_password(runner, password, message):
    before = database_fingerprint()
    result = runner.invoke(
        args=["users", "create", "cli-analyst@example.gov", "--name", "Analyst", "--role", "viewer"],
        input=f"{password}\n{password}\n",
    )
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [f"error: password: {message}"]
    assert database_fingerprint() == before
    assert db.session.scalar(sa.select(User.id).where(User.email == "cli-analyst@example.gov")) is None
