"""Schemathesis, in process, finds the API document truthful: every check, every phase, every operation.

The engine is the one `schemathesis run --checks all` drives, with all four
test phases (examples, coverage, fuzzing, stateful), as a resource manager and
as a division head, against the WSGI app on the test database. It is
deterministic (fixed seed, derandomized, no deadline, one worker) and sized
to run in a few minutes.
"""

from __future__ import annotations

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


def _failures(stream) -> list[str]:
    """One line per operation, check and kind of failure (values such as ids differ between examples),
    less the known gap below."""
    found = set()
    for event in stream:
        if isinstance(event, events.NonFatalError):
            found.add(f"{event.label}: error: {event.info.title}: {_first_line(event.info.message)}")
        elif isinstance(event, events.ScenarioFinished) and event.status in (Status.FAILURE, Status.ERROR):
            for checks in event.recorder.checks.values():
                for check in checks:
                    if check.failure_info is not None and not _known_gap(check.failure_info.failure):
                        failure = check.failure_info.failure
                        status = getattr(failure, "status_code", "")
                        message = _first_line(failure.message)
                        found.add(f"{event.label}: {check.name}: {failure.title} ({status}): {message}")
        elif isinstance(event, events.EngineFinished):
            found.update(f"after the run: {failure.title}: {failure.message}" for failure in event.failures)
    return sorted(found)


def _known_gap(failure) -> bool:
    """Issue 13 is open on this: bodies valid by the document that a domain rule the document cannot
    state refuses with 422 (a record that does not exist, a country outside its region, a year outside
    the appropriation's availability, obligated above the total, a name in use). Only that 422 is let
    through; any other status a valid request gets, and every other check, still fails the test."""
    return isinstance(failure, RejectedPositiveData) and failure.status_code == 422


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
    failures = _failures(from_schema(schema).execute())
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures)
