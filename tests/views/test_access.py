"""The permission matrix: every route × every role, plus anonymous and a deactivated user.

The expected table below is written from the product's rules (DESIGN.md and
issue 2), not read from the code. A route missing from it fails the test. Each
route also declares what it needs (services.permissions.Need); the matrix checks
that the declaration, this table and the server's real answers all agree.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from helpers import DEMO_PASSWORD, DEMO_USER, Auth, concrete_requests, database_fingerprint, url_values, user

from models import ApiToken, Division, Role, User, db
from services.office import accounts
from services.permissions import Need

EVERYONE = frozenset(Role)
RM = frozenset({Role.RESOURCE_MANAGER})
AUDITORS = frozenset({Role.ADMIN, Role.RESOURCE_MANAGER, Role.VIEWER})
ADMIN = frozenset({Role.ADMIN})
PUBLIC = "public"
TRAVEL_DRAFTERS = frozenset({Role.STAFF, Role.DIVISION_HEAD, Role.RESOURCE_MANAGER})
STAFFING_DRAFTERS = frozenset({Role.STAFF, Role.DIVISION_HEAD})
SUBMITTERS = frozenset({Role.DIVISION_HEAD, Role.RESOURCE_MANAGER})
# The matrix's request is a draft staff-ip@ wrote: a resource manager passes the role check to edit or
# delete travel, and the record's rule (its author or their division's head) then refuses them (403).
REFUSED_BY_THE_RECORD = {
    ("requests.edit", Role.RESOURCE_MANAGER),
    ("requests.delete", Role.RESOURCE_MANAGER),
    ("api.patch_travel_request", Role.RESOURCE_MANAGER),
    ("api.delete_travel_request", Role.RESOURCE_MANAGER),
}

# endpoint → who may use it (every method of the endpoint).
EXPECTED: dict[str, frozenset[Role] | str] = {
    "static": PUBLIC,
    "auth.login": PUBLIC,
    "health.healthz": PUBLIC,
    "api.openapi_document": PUBLIC,
    "auth.logout": EVERYONE,
    "auth.profile": EVERYONE,
    "auth.change_password": EVERYONE,
    "auth.create_token": EVERYONE,
    "auth.revoke_token": EVERYONE,
    "dashboard.index": EVERYONE,
    "budget.lines": EVERYONE,
    "budget.line": EVERYONE,
    "budget.appropriations": EVERYONE,
    "budget.appropriation": EVERYONE,
    "budget.appropriation_execution": EVERYONE,
    "spending.profiles": EVERYONE,
    "spending.edit_profile": RM,
    "spending.scenario_plan": EVERYONE,
    "budget.new_line": RM,
    "budget.edit_line": RM,
    "budget.delete_line": RM,
    "budget.new_appropriation": RM,
    "budget.edit_appropriation": RM,
    "scenarios.index": EVERYONE,
    "scenarios.show": EVERYONE,
    "scenarios.new": RM,
    "scenarios.edit": RM,
    "scenarios.delete": RM,
    "audit.index": AUDITORS,
    "admin.users": ADMIN,
    "admin.new_user": ADMIN,
    "admin.edit_user": ADMIN,
    "admin.settings_page": ADMIN,
    "admin.reference": ADMIN,
    "admin.add_purpose": ADMIN,
    "admin.toggle_purpose": ADMIN,
    "admin.toggle_programs_right": ADMIN,
    "actuals.index": EVERYONE,
    "execution.index": EVERYONE,
    "execution.pipeline": EVERYONE,
    "actuals.unmatched": EVERYONE,
    "actuals.upload": RM,
    "actuals.preview": RM,
    "actuals.commit": RM,
    "api.create_actuals_import": RM,
    "api.get_actuals_import": RM,
    "api.commit_actuals_import": RM,
    "api.list_actuals": EVERYONE,
    "admin.save_fare": ADMIN,
    "admin.delete_fare": ADMIN,
    "admin.load_pay_table": ADMIN,
    "api.me": EVERYONE,
    "api.reference": EVERYONE,
    "api.audit": AUDITORS,
    "api.list_appropriations": EVERYONE,
    "api.get_appropriation": EVERYONE,
    "api.appropriation_status": EVERYONE,
    "api.appropriation_execution": EVERYONE,
    "api.create_appropriation": RM,
    "api.patch_appropriation": RM,
    "api.list_scenarios": EVERYONE,
    "api.get_scenario": EVERYONE,
    "api.create_scenario": RM,
    "api.patch_scenario": RM,
    "api.delete_scenario": RM,
    "api.scenario_totals": EVERYONE,
    "api.list_budget_lines": EVERYONE,
    "api.get_budget_line": EVERYONE,
    "api.create_budget_line": RM,
    "api.patch_budget_line": RM,
    "api.delete_budget_line": RM,
    "api.list_runs": EVERYONE,
    "api.get_run": EVERYONE,
    "api.create_run": RM,
    "api.apply_run": RM,
    "scenarios.clone": RM,
    "scenarios.change_status": RM,
    "scenarios.compare_page": EVERYONE,
    "exports.export": EVERYONE,
    "exports.upload": RM,
    "exports.preview": RM,
    "exports.commit": RM,
    "api.clone_scenario": RM,
    "api.compare_scenarios": EVERYONE,
    "api.export_workbook": EVERYONE,
    "api.start_export": EVERYONE,  # the workbook as a job (issue 16): a reader may export
    "exports.prepare": EVERYONE,
    "exports.job_workbook": EVERYONE,  # then only for the person the job made it for (tests/jobs)
    "api.create_import": RM,
    "api.get_import": RM,
    "api.commit_import": RM,
    "requests.index": EVERYONE,
    "requests.review": RM,
    "requests.plan": EVERYONE,
    # Issue 15: staff draft travel (for themselves) and staffing (for their division); their division head
    # submits; resource managers draft their own office's travel, submit, and decide.
    "requests.new_travel": TRAVEL_DRAFTERS,
    "requests.new_staffing": STAFFING_DRAFTERS,
    "requests.show": EVERYONE,  # within their division, for heads and staff (tested separately)
    # Editing and deleting are for those who draft that kind of request, acting for the roles
    # that take that step; which request is decided by the workflow (author, division, state),
    # tested in test_requests.py. The matrix fills the kind as travel and the step as submit.
    "requests.edit": TRAVEL_DRAFTERS,  # the author and their division's head
    "requests.delete": TRAVEL_DRAFTERS,
    "requests.act": SUBMITTERS,  # submit
    "requests.comment": frozenset({Role.RESOURCE_MANAGER, Role.DIVISION_HEAD, Role.STAFF}),  # not viewers, admins
    "api.list_travel_request": EVERYONE,
    "api.get_travel_request": EVERYONE,
    "api.create_travel_request": TRAVEL_DRAFTERS,
    "api.patch_travel_request": TRAVEL_DRAFTERS,
    "api.delete_travel_request": TRAVEL_DRAFTERS,
    "api.action_travel_request": SUBMITTERS,  # submit
    "api.estimate_travel": EVERYONE,
    "api.list_staffing_request": EVERYONE,
    "api.get_staffing_request": EVERYONE,
    "api.create_staffing_request": STAFFING_DRAFTERS,
    "api.patch_staffing_request": STAFFING_DRAFTERS,
    "api.delete_staffing_request": STAFFING_DRAFTERS,
    "api.action_staffing_request": SUBMITTERS,  # submit
    "api.estimate_staffing": EVERYONE,
    "allocation.index": EVERYONE,
    "allocation.setup": EVERYONE,
    "allocation.show": EVERYONE,
    "allocation.download": EVERYONE,
    "allocation.sensitivity_page": EVERYONE,
    "allocation.start_sweep": RM,
    "jobs.index": EVERYONE,
    "jobs.show": EVERYONE,
    "jobs.cancel": EVERYONE,  # the service then refuses a finished job (409), or one its caller may not stop
    "api.get_job": EVERYONE,
    "api.cancel_job": EVERYONE,
    "api.start_sweep": RM,
    "allocation.run": RM,
    "allocation.upload": RM,
    "allocation.rerun": RM,
    "allocation.apply": RM,
}

# Programs API (issue 6): everyone signed in reads; writes are for resource managers and
# International Programs' head and staff (other divisions' heads and staff: test_programs_api.py).
PROGRAMS_API = frozenset({Role.RESOURCE_MANAGER, Role.DIVISION_HEAD, Role.STAFF})
EXPECTED |= {
    "api.list_awards": EVERYONE,
    "api.get_award": EVERYONE,
    "api.create_award": PROGRAMS_API,
    "api.patch_award": PROGRAMS_API,
    "api.list_funding_notices": EVERYONE,
    "api.get_funding_notice": EVERYONE,
    "api.create_funding_notice": PROGRAMS_API,
    "api.patch_funding_notice": PROGRAMS_API,
    "api.run_notice_selection": PROGRAMS_API,
    "api.get_selection_run": EVERYONE,
    "api.list_proposals": EVERYONE,
    "api.get_proposal": EVERYONE,
    "api.create_proposal": PROGRAMS_API,
    "api.patch_proposal": PROGRAMS_API,
}

# Programs pages (issue 6): everyone reads; writes need the role AND International Programs or a
# resource manager (head-ip@ and staff-ip@ are in IP; head-rpa@ is refused in test_programs_pages.py).
PROGRAM_MANAGERS = frozenset({Role.RESOURCE_MANAGER, Role.DIVISION_HEAD, Role.STAFF})
PROGRAM_AWARDERS = frozenset({Role.RESOURCE_MANAGER, Role.DIVISION_HEAD})
EXPECTED |= {
    "programs.index": EVERYONE,
    "programs.awards": EVERYONE,
    "programs.award": EVERYONE,
    "programs.outyears": EVERYONE,
    "programs.notices": EVERYONE,
    "programs.notice": EVERYONE,
    "programs.proposal": EVERYONE,
    "programs.selection_run": EVERYONE,
    "programs.new_award": PROGRAM_MANAGERS,
    "programs.edit_award": PROGRAM_MANAGERS,
    "programs.new_notice": PROGRAM_MANAGERS,
    "programs.edit_notice": PROGRAM_MANAGERS,
    "programs.new_proposal": PROGRAM_MANAGERS,
    "programs.edit_proposal": PROGRAM_MANAGERS,
    "programs.scores": PROGRAM_MANAGERS,
    "programs.decide": PROGRAM_MANAGERS,
    "programs.run_selection": PROGRAM_MANAGERS,
    "programs.award_selection": PROGRAM_AWARDERS,
}

# Reprogramming (issue 17): everyone reads; resource managers draft and take every step.
EXPECTED |= {
    "api.list_reprogramming": EVERYONE,
    "api.get_reprogramming": EVERYONE,
    "api.create_reprogramming": RM,
    "api.patch_reprogramming": RM,
    "api.step_reprogramming": RM,
}

IDENTITIES = [*Role, "anonymous", "deactivated"]


def test_every_route_has_an_expected_access_entry(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - EXPECTED.keys() == set(), "add new routes to EXPECTED"
    assert EXPECTED.keys() - endpoints == set(), "EXPECTED names routes that no longer exist"


def _declared(app, endpoint: str) -> Need | None:
    """What a route declares it needs; Flask's own static files are public by nature."""
    if endpoint == "static":
        return Need()
    return getattr(app.view_functions[endpoint], "need", None)


def test_every_route_declares_what_it_needs(app):
    undeclared = sorted(
        rule.endpoint for rule in app.url_map.iter_rules() if not isinstance(_declared(app, rule.endpoint), Need)
    )
    assert undeclared == [], "declare with @requires(...), @public or ApiDoc(action=...)"


def test_the_api_document_states_each_routes_declaration(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    stated = {
        (path, method.upper()): operation.get("description")
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "responses" in operation
    }
    wrong = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if not hasattr(view, "api_doc"):
            continue
        path = "/api/v1" + rule.rule.removeprefix("/api/v1")
        path = re.sub(r"<(?:[^:<>]+:)?([a-z_]+)>", r"{\1}", re.sub(r"<any\([^)]*\):([a-z_]+)>", r"{\1}", path))
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if stated.get((path, method)) != view.need.describe():
                wrong.append(f"{method} {path}: {stated.get((path, method))!r}")
    assert wrong == []
    patch = document["paths"]["/api/v1/travel-requests/{request_id}"]["patch"]["description"]
    assert patch.startswith("Requires the permission `request_travel`;")
    steps = document["paths"]["/api/v1/staffing-requests/{request_id}/{action}"]["post"]["description"]
    assert "`decide_requests` to approve, return or reject" in steps


def _sign_in_as(client, identity) -> dict[str, str]:
    """Sign the client in; return the headers an API call would carry."""
    if identity == "anonymous":
        return {}
    email = "staff-ip@example.gov" if identity == "deactivated" else DEMO_USER[identity]
    assert Auth(client).login(email, DEMO_PASSWORD).status_code == 302
    token = accounts.issue_token(None, user(email), "matrix")
    db.session.commit()
    if identity == "deactivated":
        staff = user(email)
        staff.active = False
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _reads_first(request: tuple[str, str, str]) -> tuple[bool, bool]:
    """GETs, then writes (which may change what later reads see), signing out last of all."""
    endpoint, method, _ = request
    return endpoint == "auth.logout", method != "GET"


@pytest.mark.parametrize("identity", IDENTITIES, ids=str)
def test_permission_matrix(app, client, identity):
    rm_token_id = _rm_token_id()
    headers = _sign_in_as(client, identity)
    role = identity if isinstance(identity, Role) else None
    caller = user(DEMO_USER[role]) if role else user("staff-ip@example.gov") if identity == "deactivated" else None
    csrf = None if role is None else Auth(client).csrf()
    routes = app.url_map.bind("localhost")
    unexpected, changed, undeclared = [], [], []
    for endpoint, method, path in sorted(concrete_requests(app, url_values(rm_token_id)), key=_reads_first):
        expected = EXPECTED[endpoint]
        allowed = expected == PUBLIC or (role is not None and role in expected)
        need = _declared(app, endpoint)
        if need.allows(caller, routes.match(path, method=method)[1]) != allowed:
            undeclared.append(f"{method} {path}: the declaration says {not allowed}, the product's rules {allowed}")
        before = None if allowed else database_fingerprint()
        before_record = database_fingerprint() if (endpoint, role) in REFUSED_BY_THE_RECORD else None
        api = path.startswith("/api/")
        # Public routes need no credentials; a request that sends a bad token is refused, by design.
        kwargs = (
            {"headers": {} if expected == PUBLIC else headers}
            if api
            else {"data": {"csrf_token": csrf} if csrf else {}}
        )
        if api and method in ("POST", "PATCH"):
            kwargs["json"] = {}
        response = client.open(path, method=method, **kwargs)
        response.close()
        denied = response.status_code in (401, 403) or (
            response.status_code == 302 and "/login" in response.headers["Location"]
        )
        if allowed and (endpoint, role) in REFUSED_BY_THE_RECORD:
            # Refused (403; the API may first refuse the empty body, 422), or on a page sent back to the
            # request with the reason (302); nothing changes.
            if response.status_code not in (302, 403, 422) or (
                response.status_code == 302 and "/login" in response.headers["Location"]
            ):
                unexpected.append(f"{method} {path} → {response.status_code} (expected the record's refusal)")
            if database_fingerprint() != before_record:
                changed.append(f"{method} {path}")
            continue
        if allowed and method != "GET":
            # An allowed write with an empty body: refused for what it sent or the record's state, never the caller.
            # (Signing out lands on the sign-in page, without the `next` of a refusal.)
            if denied and not (endpoint == "auth.logout" and response.headers.get("Location") == "/login"):
                unexpected.append(f"{method} {path} → {response.status_code} (expected to pass the permission check)")
            continue
        if allowed:
            redirected = response.status_code == 302 and "/login" not in response.headers["Location"]
            if response.status_code != 200 and not redirected:
                unexpected.append(f"{method} {path} → {response.status_code} (expected 200)")
            continue
        if not denied:
            unexpected.append(f"{method} {path} → {response.status_code}")
        if database_fingerprint() != before:
            changed.append(f"{method} {path}")
    assert undeclared == [], "\n".join(undeclared)
    assert unexpected == [], "\n".join(unexpected)
    assert changed == []


def _rm_token_id() -> int:
    accounts.issue_token(None, user("rm@example.gov"), "someone else's")
    db.session.commit()
    return db.session.scalar(sa.select(sa.func.max(ApiToken.id)))


def test_division_head_cannot_revoke_someone_elses_token(client, auth):
    token_id = _rm_token_id()
    auth.login("head-ip@example.gov")
    response = client.post(f"/profile/tokens/{token_id}/revoke", data={"csrf_token": auth.csrf()})
    assert response.status_code == 404
    assert db.session.get(ApiToken, token_id).revoked_at is None


def test_deactivated_user_cannot_sign_in(client, auth):
    staff = user("staff-ip@example.gov")
    staff.active = False
    db.session.commit()
    response = auth.login("staff-ip@example.gov")
    assert response.status_code == 401
    assert client.get("/").status_code == 302


def test_a_new_role_needs_an_entry(app):
    """Every role appears in the demo office, so the matrix covers it."""
    assert set(DEMO_USER) == set(Role)
    assert {u.role for u in db.session.scalars(sa.select(User))} >= set(Role)


def _division(code: str) -> Division:
    return db.session.scalar(sa.select(Division).where(Division.code == code))


def test_managing_programs_is_a_flag_on_the_division(client, auth):
    """The demo office marks International Programs; moving the flag moves the right, pages and API alike."""
    assert set(db.session.scalars(sa.select(Division.code).where(Division.manages_programs))) == {"IP"}
    head_ip = {"Authorization": f"Bearer {accounts.issue_token(None, user('head-ip@example.gov'), 'flag')}"}
    db.session.commit()
    auth.login("head-rpa@example.gov")
    assert client.get("/programs/awards/new").status_code == 403
    assert client.post("/api/v1/awards", json={}, headers=head_ip).status_code == 422  # past the permission check

    _division("RPA").manages_programs, _division("IP").manages_programs = True, False
    db.session.commit()
    assert client.get("/programs/awards/new").status_code == 200
    assert client.post("/api/v1/awards", json={}, headers=head_ip).status_code == 403
