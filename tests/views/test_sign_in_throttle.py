"""Sign-in throttling: growing delays per account and per account × address, never per address alone.

The clock is injected (services.office.accounts.utcnow), so no test waits or depends on the machine's speed.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from conftest import make_config
from helpers import DEMO_PASSWORD, csrf_from, database_fingerprint

from app import create_app
from models import LoginAttempt, db
from models.base import utcnow
from services.office import accounts

VICTIM = "viewer@example.gov"  # account A, whose password someone is guessing
COLLEAGUE = "rm@example.gov"  # account B, signing in from the same address (one office, one proxy)


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(accounts, "utcnow", clock)
    return clock


def sign_in(client, email: str, password: str, headers: dict | None = None):
    page = client.get("/login", headers=headers).get_data(as_text=True)
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf_from(page)}, headers=headers
    )


def test_twenty_failures_on_one_account_never_refuse_another_accounts_password(app, client, clock):
    for _ in range(20):
        assert sign_in(client, VICTIM, "a-wrong-guess").status_code == 401
        clock.advance(app.config["LOGIN_MAX_DELAY_SECONDS"] + 1)  # each guess waits out the delay, so all count
    assert db.session.scalar(sa.select(sa.func.count(LoginAttempt.id))) == 20
    response = sign_in(client, COLLEAGUE, DEMO_PASSWORD)  # same address, another account
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_the_right_password_waits_out_the_accounts_delay(app, client, clock):
    for _ in range(app.config["LOGIN_FREE_FAILURES"]):
        assert sign_in(client, VICTIM, "a-wrong-guess").status_code == 401
    before = database_fingerprint()
    response = sign_in(client, VICTIM, DEMO_PASSWORD)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "30"
    assert "Too many failed sign-ins for this account. Try again in 30 seconds." in response.get_data(as_text=True)
    assert database_fingerprint() == before  # a refused attempt is not even counted
    assert client.get("/").status_code == 302  # not signed in
    clock.advance(31)
    assert sign_in(client, VICTIM, DEMO_PASSWORD).status_code == 302


def test_the_delay_doubles_with_each_further_failure_up_to_a_cap(app, client, clock):
    for _ in range(app.config["LOGIN_FREE_FAILURES"]):
        assert sign_in(client, VICTIM, "a-wrong-guess").status_code == 401
    waits = []
    for _ in range(7):
        refused = sign_in(client, VICTIM, "a-wrong-guess")
        assert refused.status_code == 429
        waits.append(int(refused.headers["Retry-After"]))
        clock.advance(waits[-1])
        assert sign_in(client, VICTIM, "a-wrong-guess").status_code == 401  # counted: the next wait is longer
    assert waits == [30, 60, 120, 240, 480, 900, 900]  # 15 minutes at most
    assert "Try again in 15 minutes." in sign_in(client, VICTIM, DEMO_PASSWORD).get_data(as_text=True)


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_one_counted(app, database_url, clock):
    config = make_config(database_url)
    config.TRUSTED_PROXIES = 1
    proxied = create_app(config)
    office, elsewhere = {"X-Forwarded-For": "203.0.113.7"}, {"X-Forwarded-For": "198.51.100.2"}
    try:
        client = proxied.test_client()
        for _ in range(proxied.config["LOGIN_FREE_FAILURES"]):
            assert sign_in(client, VICTIM, "a-wrong-guess", office).status_code == 401
        assert set(db.session.scalars(sa.select(LoginAttempt.remote_addr))) == {"203.0.113.7"}
        before = database_fingerprint()
        assert sign_in(client, VICTIM, DEMO_PASSWORD, office).status_code == 429
        assert database_fingerprint() == before
        assert sign_in(proxied.test_client(), VICTIM, DEMO_PASSWORD, elsewhere).status_code == 302
    finally:
        with proxied.app_context():
            db.engine.dispose()
    # Without a trusted proxy (the default) the header is the client's to forge, and is ignored.
    assert app.config["TRUSTED_PROXIES"] == 0
    client = app.test_client()
    for _ in range(app.config["LOGIN_FREE_FAILURES"]):
        assert sign_in(client, COLLEAGUE, "a-wrong-guess", {"X-Forwarded-For": "192.0.2.1"}).status_code == 401
    assert sign_in(client, COLLEAGUE, DEMO_PASSWORD, {"X-Forwarded-For": "192.0.2.99"}).status_code == 429
