"""Never a 5xx for anything a person or a script can send (issue 12, item 3).

A signed-in resource manager sends ids too large for the database in every
route that takes one and in every id-like query parameter, deeply nested and
wrongly typed JSON to every API write, and each is answered with a 4xx that
changes nothing. The routes are read from app.url_map, so a new route is
covered without editing this file.
"""

from __future__ import annotations

import io
import re

import pytest
from helpers import Auth, database_fingerprint, plan_scenario, url_values, user

from models import ApiToken, db
from services.office import accounts

RM = "rm@example.gov"
HUGE_IDS = (str(2**63), "9" * 40, "9" * 5000)  # one past the largest 64-bit key, far past it, past int()
LARGEST_QUERY_NUMBER = "9" * 18  # what int_arg still reads: past a 32-bit column (PostgreSQL refuses to compare)
_INT_ARG = re.compile(r"<int:([a-z_]+)>")
_ANY_ARG = re.compile(r"<any\(([a-z_]+)[^>]*\):[a-z_]+>")
_OTHER_ARG = re.compile(r"<(?:[^:<>]+:)?([a-z_]+)>")
# Every integer a page or the API reads from a query string (grep request.args and ApiDoc.query).
QUERY_NAMES = [
    "a",
    "b",
    "division",
    "fiscal_year",
    "scenario",
    "appropriation",
    "from_run",
    "entity_id",
    "user",
    "page",
    "per_page",
    "from",
    "actual",
    "enacted",
    "version",
    "budget_year",
    "notice",
    "run",
    "award",
    "proposal",
    "region",
    "country",
    "priority",
    "program_type",
    "object_class",
    "traveler",
    "min_amount",
    "max_amount",
]
DEEP_JSON = "[" * 100_000
WRONG_BODIES = ([], "text", 7, None, True, {"version": "1"}, {"version": 2**63})


@pytest.fixture
def signed_in(app, client):
    """A resource manager signed in by cookie (with a CSRF token) and by API token."""
    assert Auth(client).login(RM).status_code == 302
    token = accounts.issue_token(None, user(RM), "probe")
    db.session.commit()
    values = url_values(db.session.scalar(db.select(db.func.max(ApiToken.id))))
    return {"csrf": Auth(client).csrf(), "bearer": {"Authorization": f"Bearer {token}"}, "values": values}


def _send(client, signed_in, method: str, path: str, **kwargs):
    if path.startswith("/api/"):
        kwargs["headers"] = signed_in["bearer"]
    elif method != "GET":
        kwargs.setdefault("data", {"csrf_token": signed_in["csrf"]})
    response = client.open(path, method=method, **kwargs)
    response.get_data()  # read a streamed workbook, then close its file
    response.close()
    return response


def _fill(rule: str, values: dict, ids: dict[str, str] | None = None) -> str:
    path = _ANY_ARG.sub(r"\1", rule)  # the first choice of any(...)
    path = _INT_ARG.sub(lambda m: (ids or {}).get(m.group(1)) or str(values[m.group(1)]), path)
    return _OTHER_ARG.sub(lambda m: str(values[m.group(1)]), path)


def _methods(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def test_ids_too_large_for_the_database_are_not_found_in_every_route(app, client, signed_in):
    before = database_fingerprint()
    answers = {}
    for rule in app.url_map.iter_rules():
        for name in _INT_ARG.findall(rule.rule):
            for huge in HUGE_IDS:
                for method in _methods(rule):
                    path = _fill(rule.rule, signed_in["values"], {name: huge})
                    answers[method, path] = _send(client, signed_in, method, path).status_code
    assert len(answers) > 150  # every id-bearing route, both sizes, every method
    assert {key: status for key, status in answers.items() if status != 404} == {}
    assert database_fingerprint() == before


def test_id_like_query_parameters_and_form_fields_too_large_never_fail_the_server(app, client, signed_in):
    before = database_fingerprint()
    failures = {}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        path = _fill(rule.rule, signed_in["values"])
        for huge in (*HUGE_IDS, LARGEST_QUERY_NUMBER):
            query = {name: huge for name in QUERY_NAMES}
            status = _send(client, signed_in, "GET", path, query_string=query).status_code
            if status >= 500:
                failures["GET", path, huge] = status
    assert failures == {}
    assert database_fingerprint() == before

    # Every page form, its fields too large or not numbers at all (signing out and in aside).
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") or "POST" not in rule.methods or rule.endpoint.startswith("auth.log"):
            continue
        path = _fill(rule.rule, signed_in["values"])
        for value in (*HUGE_IDS, "x", "-1", "1e400"):
            fields = {"csrf_token": signed_in["csrf"], **{name: value for name in QUERY_NAMES}}
            status = _send(client, signed_in, "POST", path, data=fields).status_code
            if status >= 500:
                failures["POST", path, value] = status
    assert failures == {}


@pytest.mark.parametrize(
    "path",
    [
        "/scenarios/compare?a={huge}&b={huge}",
        "/requests/travel-plan?division={huge}",
        "/lines/new?scenario={huge}&appropriation={huge}",
        "/audit/?entity_id={huge}&user={huge}&page={huge}",
    ],
)
def test_named_query_parameters_too_large_are_answered(client, signed_in, path):
    before = database_fingerprint()
    response = _send(client, signed_in, "GET", path.format(huge=2**63))
    assert response.status_code == 200  # as if the parameter named no record
    assert database_fingerprint() == before


def _api_writes(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            for method in _methods(rule):
                if method != "GET":
                    yield rule, method


def test_deep_or_wrongly_typed_json_is_refused_and_changes_nothing(app, client, signed_in):
    answers = {}
    for rule, method in _api_writes(app):
        path = _fill(rule.rule, signed_in["values"])
        before = database_fingerprint()
        response = _send(client, signed_in, method, path, data=DEEP_JSON, content_type="application/json")
        answers[method, path] = response.status_code, response.get_json()["error"]["message"]
        assert database_fingerprint() == before, (method, path)
    assert len(answers) > 20
    # Even a route that reads no body (applying a run) refuses it rather than acting.
    assert set(answers.values()) == {(400, "The JSON body is nested too deeply.")}

    failures = {}
    id_fields = {name: 2**63 for name in QUERY_NAMES}
    text_fields = {name: "x" for name in QUERY_NAMES}
    nested = {name: [[[[{"id": 2**63}]]]] for name in QUERY_NAMES}
    for rule, method in _api_writes(app):
        path = _fill(rule.rule, signed_in["values"])
        for body in (*WRONG_BODIES, id_fields, text_fields, nested, b"{not json"):
            before = database_fingerprint()
            if isinstance(body, bytes):
                response = _send(client, signed_in, method, path, data=body, content_type="application/json")
            else:
                response = _send(client, signed_in, method, path, json=body)
            if response.status_code >= 500:
                failures[method, path, repr(body)[:40]] = response.status_code
            elif response.status_code >= 400 and database_fingerprint() != before:
                failures[method, path, repr(body)[:40]] = "refused but changed the database"
    assert failures == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [(DEEP_JSON, "nested too deeply"), ('{"format": ' + "9" * 5000 + "}", "That is not JSON")],
    ids=["deep", "long-number"],
)
def test_a_problem_file_json_cannot_hold_is_refused_on_the_allocation_page(app, client, signed_in, text, message):
    plan = signed_in["values"]["scenario_id"]
    before = database_fingerprint()
    response = client.post(
        f"/scenarios/{plan}/allocation/upload",
        data={"csrf_token": signed_in["csrf"], "problem": (io.BytesIO(text.encode()), "problem.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert database_fingerprint() == before


@pytest.mark.parametrize("option", ["--scenario", "--actual", "--enacted"])
def test_the_export_command_refuses_an_id_too_large_in_one_line(app, runner, tmp_path, option):
    args = {"--scenario": str(plan_scenario().id), option: str(2**63)}
    before = database_fingerprint()
    result = runner.invoke(args=["export", "submission", "--out", str(tmp_path / "out.xlsx"), *sum(args.items(), ())])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == f"error: {option}: no scenario with id {2**63}"
    assert not (tmp_path / "out.xlsx").exists()
    assert database_fingerprint() == before


def test_text_with_a_nul_character_is_refused_everywhere_and_changes_nothing(app, client, signed_in):
    # PostgreSQL's text cannot hold NUL: a query or a form field with one is a 400, a JSON string a 422
    # naming where it is.
    before = database_fingerprint()
    answers = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = _fill(rule.rule, signed_in["values"])
        for method in _methods(rule):
            if method == "GET":
                response = _send(client, signed_in, method, path, query_string={"q": "a\x00b"})
            elif path.startswith("/api/"):
                response = _send(client, signed_in, method, path, json={"name": "a\x00b", "version": 1})
            else:
                fields = {"csrf_token": signed_in["csrf"], **{name: "a\x00b" for name in ("name", "title", "number")}}
                response = _send(client, signed_in, method, path, data=fields)
            expected = 422 if path.startswith("/api/") and method != "GET" else 400
            answers[method, path] = response.status_code, expected
            if expected == 422:
                assert response.get_json()["error"]["fields"] == {"name": "A NUL character."}
    assert len(answers) > 150
    assert {key: status for key, (status, expected) in answers.items() if status != expected} == {}
    assert database_fingerprint() == before


def test_a_multipart_part_without_a_name_is_no_server_error(client):
    """A part with no name is read under the key None: the NUL check before every request reads it as text."""
    token = accounts.issue_token(None, user(RM), "unnamed part")
    db.session.commit()
    body = (
        b'--XX\r\nContent-Disposition: form-data\r\n\r\n{"a": 1}\r\n'
        b'--XX\r\nContent-Disposition: form-data; name="file"; filename="a.xlsx"\r\n\r\nnot a workbook\r\n--XX--\r\n'
    )
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "multipart/form-data; boundary=XX"}
    before = database_fingerprint()
    answer = client.post(f"/api/v1/scenarios/{plan_scenario().id}/imports", data=body, headers=headers)
    assert answer.status_code == 422
    assert "file" in answer.get_json()["error"]["fields"]
    assert database_fingerprint() == before
