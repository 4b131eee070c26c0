"""Schemathesis, in process, finds the API document truthful: every check, every phase, every operation.

The engine is the one `schemathesis run --checks all` drives, with all four
test phases (examples, coverage, fuzzing, stateful), as a resource manager and
as a division head, against the WSGI app on the test database. It is
deterministic (fixed seed, derandomized, no deadline, one worker) and sized
to run in a few minutes.
"""

from __future__ import annotations

import re

import pytest
import schemathesis
from schemathesis.engine import Status, events, from_schema
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.transport.wsgi import WSGITransport

from models import db

API = "/api/v1"
ROLES = {"resource-manager": "rm@example.gov", "division-head": "head-ip@example.gov"}
SOCKET_SETTINGS = ("max_redirects", "verify", "cert", "proxies")


def _token(runner, email: str) -> str:
    result = runner.invoke(args=["users", "token", email])
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def _config(token: str) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": 13,
            "workers": 1,
            "continue-on-failure": True,
            "headers": {"Authorization": f"Bearer {token}"},
            "checks": {"enabled": True},
            "phases": {"enabled": True},
            "generation": {"max-examples": 10, "deterministic": True, "database": "none"},
            "cache": {"enabled": False},
        }
    )


@pytest.fixture
def in_process_probes(monkeypatch):
    """schemathesis 4.32.5 sends ignored_auth's probes to a WSGI app with socket settings werkzeug refuses."""
    send = WSGITransport.send

    def without_socket_settings(self, case, *, session=None, **kwargs):
        for name in SOCKET_SETTINGS:
            kwargs.pop(name, None)
        return send(self, case, session=session, **kwargs)

    monkeypatch.setattr(WSGITransport, "send", without_socket_settings)


def _first_line(text: str) -> str:
    return next(iter(text.splitlines()), "")


def _failures(stream, stated: dict[str, list[set[str]]]) -> list[str]:
    """One line per operation, check and kind of failure (values such as ids differ between examples),
    less the refusals the document states (see _refused_by_a_stated_rule)."""
    found: set[str] = set()
    details: list[str] = []
    for event in stream:
        if isinstance(event, events.NonFatalError):
            found.add(f"{event.label}: error: {event.info.title}: {_first_line(event.info.message)}")
        elif isinstance(event, events.ScenarioFinished) and event.status in (Status.FAILURE, Status.ERROR):
            for case_id, checks in event.recorder.checks.items():
                interaction = event.recorder.interactions.get(case_id)
                answer = interaction.response if interaction is not None else None
                label = event.recorder.cases[case_id].value.operation.label  # the stateful phase's too
                for check in checks:
                    if check.failure_info is None:
                        continue
                    failure = check.failure_info.failure
                    if _refused_by_a_stated_rule(failure, answer, stated.get(label, [])):
                        continue
                    status = getattr(failure, "status_code", "")
                    message = _first_line(failure.message)
                    found.add(f"{label}: {check.name}: {failure.title} ({status}): {message}")
                    if sum(line.startswith(f"{label} {check.name}:") for line in details) < 3:
                        details.append(f"{label} {check.name}: {_request_text(interaction)} -> {_answer_text(answer)}")
        elif isinstance(event, events.EngineFinished):
            found.update(f"after the run: {failure.title}: {failure.message}" for failure in event.failures)
    return sorted(found) + (["", "Examples:", *details] if found else [])


def _request_text(interaction) -> str:
    if interaction is None:
        return ""
    body = interaction.request.body or b""  # a GET sends none
    return f"{interaction.request.method} {interaction.request.uri} {body[:300]!r}"


def _answer_text(answer) -> str:
    if answer is not None and answer.status_code == 422:
        return f"422 naming {sorted(answer.json()['error'].get('fields', {}))}"
    return "" if answer is None else f"{answer.status_code} {answer.content[:300]!r}"


def _stated_rules(client) -> dict[str, list[set[str]]]:
    """Operation label → the fields of each rule its document states (x-rules): the rules between
    fields, or against other records, that no schema keyword can say."""
    document = client.get(f"{API}/openapi.json").get_json()
    return {
        f"{method.upper()} {path}": [set(rule["fields"]) for rule in operation.get("x-rules", [])]
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    }


def _refused_by_a_stated_rule(failure, answer, rules: list[set[str]]) -> bool:
    """A body valid by its schema that breaks a rule the operation's document states is refused with
    422 naming the rule's fields: that is the truth, not a gap. Any other status, or a 422 naming a
    field no stated rule covers, still fails the test."""
    if not isinstance(failure, RejectedPositiveData) or failure.status_code != 422 or answer is None:
        return False
    named = set(answer.json()["error"].get("fields", {}))
    covered = {field for rule in rules for field in rule}
    return bool(named) and all(_covered(name, covered) for name in named)


def _covered(name: str, fields: set[str]) -> bool:
    """`legs[0].return` is the rule field `legs.return`; a row's own error (`funding[2]`) is covered by
    a rule on the rows or on a field within them."""
    plain = re.sub(r"\[\d+\]|\.\d+(?=\.|$)", "", name)  # rows as the services and marshmallow name them
    return any(plain == field or field.startswith(plain + ".") or plain.startswith(field + ".") for field in fields)


@pytest.mark.usefixtures("in_process_probes")
@pytest.mark.parametrize("email", ROLES.values(), ids=ROLES.keys())
def test_schemathesis_finds_the_document_truthful(app, runner, email):
    token = _token(runner, email)
    db.session.commit()

    def wsgi(environ, start_response):
        """Each request in its own app context, as in production; the body read and closed inside it."""
        with app.app_context():
            body = app.wsgi_app(environ, start_response)
            try:
                return [b"".join(body)]
            finally:
                body.close()

    schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", wsgi, config=_config(token))
    failures = _failures(from_schema(schema).execute(), _stated_rules(app.test_client()))
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures)
