"""The front door (issue 16): `make run` serves the app with one job consumer beside it, and Ctrl-C stops
both. The test runs the real `make run` on a free port against a database of its own, starts a sweep
through the API, and sees the consumer that `make run` started finish it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from helpers import free_port

from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]
WAIT_S = 180  # migrating and seeding a new database, on a loaded machine


def _environment(tmp_path: Path) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "DATABASE_URL")}
    environment.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'office.sqlite3'}",
        JOBS_DATABASE=str(tmp_path / "jobs.sqlite3"),
        SECRET_KEY="make-run-test-key-" + "x" * 32,
    )
    return environment


def _call(method: str, url: str, headers: dict | None = None, body: dict | None = None) -> tuple[int, dict, dict]:
    """(status, JSON answer, headers) of one request."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1 only
        url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 - a local test server
            return response.status, json.loads(response.read() or b"null"), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null"), dict(error.headers)


def _until(what: str, check, seconds: float = WAIT_S):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            value = check()
        except (urllib.error.URLError, ConnectionError):
            value = None
        if value:
            return value
        time.sleep(0.25)
    pytest.fail(f"waited {seconds}s for {what}")


def test_make_run_serves_with_a_consumer_and_ctrl_c_stops_both(tmp_path):
    if not (ROOT / ".venv" / "bin" / "flask").exists():
        if IN_CI:
            pytest.fail("make test creates .venv before this test runs")
        pytest.skip("no .venv: run through make test")
    port = free_port()
    environment = _environment(tmp_path)
    log = (tmp_path / "make-run.log").open("w")
    server = subprocess.Popen(
        ["make", "run", f"PORT={port}"],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: Ctrl-C reaches make, gunicorn and the consumer
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _until("the web server", lambda: _call("GET", f"{base}/healthz")[0] == 200)
        token = subprocess.run(
            [str(ROOT / ".venv" / "bin" / "flask"), "--app", "app", "users", "token", "rm@example.gov"],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        headers = {"Authorization": f"Bearer {token}"}
        _, scenarios, _ = _call("GET", f"{base}/api/v1/scenarios", headers)
        plan = next(s for s in scenarios["items"] if s["name"] == "FY2027 plan")
        status, run, _ = _call(
            "POST", f"{base}/api/v1/scenarios/{plan['id']}/allocation-runs", headers, {"settings": {}}
        )
        assert status == 201, run
        fund = run["problem"]["funds"][0]["id"]
        status, job, answer_headers = _call(
            "POST", f"{base}/api/v1/allocation-runs/{run['id']}/sweeps", headers, {"fund": fund}
        )
        assert status == 202, job
        job_url = base + answer_headers["Location"]

        def finished():
            answer = _call("GET", job_url, headers)[1]
            return answer if answer["state"] in ("succeeded", "failed", "cancelled") else None

        job = _until("the consumer to run the sweep", finished)
        assert (job["state"], job["progress"]) == ("succeeded", 100), job
    finally:
        os.killpg(server.pid, signal.SIGINT)  # Ctrl-C in the terminal
        try:
            server.wait(timeout=60)
        finally:
            log.close()
    output = (tmp_path / "make-run.log").read_text()
    assert "Consuming jobs from the SQLite file" in output, output
    leftovers = subprocess.run(["pgrep", "-g", str(server.pid)], capture_output=True, text=True).stdout.split()
    assert leftovers == [], f"still running after Ctrl-C: {leftovers}\n{output}"
