"""Every state-changing form route refuses a missing or wrong CSRF token, and changes nothing."""

from __future__ import annotations

import pytest
from helpers import DEMO_USER, Auth, concrete_requests, database_fingerprint, url_values
from test_access import EXPECTED, PUBLIC

from models import Role


def form_posts(app, values):
    """(endpoint, path) of every POST route of the pages (the API uses bearer tokens)."""
    return [
        (endpoint, path)
        for endpoint, method, path in concrete_requests(app, values)
        if method == "POST" and not path.startswith("/api/")
    ]


def _actor_for(endpoint: str) -> str:
    allowed = EXPECTED[endpoint]
    if allowed == PUBLIC or Role.RESOURCE_MANAGER in allowed:
        return DEMO_USER[Role.RESOURCE_MANAGER]
    return DEMO_USER[next(iter(allowed))]


@pytest.mark.parametrize("token", ["missing", "wrong"])
def test_form_posts_refuse_bad_csrf_tokens(app, client, token):
    values = url_values(rm_token_id=1)
    posts = form_posts(app, values)
    assert len(posts) >= 10  # the pages have many forms; an empty list would prove nothing
    failures = []
    for endpoint, path in posts:
        auth = Auth(client)
        if endpoint != "auth.login":
            auth.login(_actor_for(endpoint))
        data = {} if token == "missing" else {"csrf_token": "forged-token"}
        before = database_fingerprint()
        response = client.post(path, data=data)
        if response.status_code != 400:
            failures.append(f"{path} → {response.status_code}")
        if database_fingerprint() != before:
            failures.append(f"{path} changed the database")
        if endpoint != "auth.login":
            auth.logout()
    assert failures == []


def test_sign_in_form_needs_its_token(client):
    response = client.post("/login", data={"email": "rm@example.gov", "password": "demo-password"})
    assert response.status_code == 400
    assert client.get("/").status_code == 302  # still signed out


def test_api_with_session_cookie_needs_csrf_header(client, auth):
    auth.login("rm@example.gov")
    response = client.post("/api/v1/scenarios", json={"name": "X", "budget_year": 2027, "kind": "plan"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"
    token = auth.csrf()
    response = client.post(
        "/api/v1/scenarios", json={"name": "X", "budget_year": 2027, "kind": "plan"}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 201
