"""Browser fixtures: a live server on a free port, headless Chromium, and a console watch.

- `live_server`: the real app (create_app + the test's own database copy) served by
  werkzeug on 127.0.0.1 in a background thread. `live_server.read(fn)` runs `fn()` in a
  short app context of its own (a separate connection), for assertions on the database.
- `browser`: one Debian /usr/bin/chromium per session, driven by Playwright (never
  `playwright install`). Missing Chromium fails the run in CI and skips it elsewhere.
- `page`: a fresh context and page per test. Console errors, uncaught page errors and
  Content-Security-Policy violations fail the test, after its body has run.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from app import create_app
from models import db
from tests.conftest import make_config

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1440, "height": 900}  # desktop: USWDS shows the full nav from 1024px
TIMEOUT_MS = 30_000  # generous for a loaded CI machine; waits end as soon as the page is ready

# Reports every page emits into the console when a CSP blocks something; a listener
# added before any page script runs turns the DOM event into a console error too.
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline") +
                " at " + e.sourceFile + ":" + e.lineNumber);
});
"""

_NOTES = pytest.StashKey[list]()  # notes for the lead, printed in the terminal summary
_WATCH = pytest.StashKey["ConsoleWatch"]()


# ---- live server -------------------------------------------------------------


@dataclass
class LiveServer:
    url: str
    app: object

    def read(self, fn):
        """Run `fn()` in an app context of the test thread (its own session and connection)."""
        with self.app.app_context():
            try:
                return fn()
            finally:
                db.session.remove()


_server_log = logging.getLogger("tests.e2e.server")


class _QuietRequestHandler(WSGIRequestHandler):
    """Request lines at DEBUG (not shown by default); server errors stay errors."""

    def log(self, type: str, message: str, *args) -> None:
        level = logging.DEBUG if type == "info" else getattr(logging, type.upper(), logging.ERROR)
        _server_log.log(level, "%s - " + message, self.address_string(), *args)


@pytest.fixture
def live_server(database_url):
    app = create_app(make_config(database_url))
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()  # PostgreSQL: no connection may outlive the test database


# ---- browser -----------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and {message}", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)  # assertions wait as long as actions do
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class ConsoleWatch:
    """Console errors, page errors and CSP violations seen by one page."""

    problems: list[str] = field(default_factory=list)
    favicon_404: bool = False
    _expected: list[tuple[int, str]] = field(default_factory=list)

    def on_console(self, message) -> None:
        if message.type != "error":
            return
        location = message.location or {}
        url = location.get("url", "") if isinstance(location, dict) else ""
        path = urlsplit(url).path
        if path == "/favicon.ico":
            self.favicon_404 = True
            return
        for status, expected_path in self._expected:
            if path == expected_path and f"status of {status}" in message.text:
                return  # a refusal the test asked for (e.g. 422 on an invalid form)
        self.problems.append(f"console error: {message.text} ({url or 'no location'})")

    def on_page_error(self, error) -> None:
        self.problems.append(f"uncaught page error: {error}")

    @contextlib.contextmanager
    def expect_status(self, status: int, path: str):
        """Within the block, Chromium's "Failed to load resource: ... status of <status>"
        for `path` is expected (a form answered 4xx on purpose), not a problem."""
        self._expected.append((status, path))
        try:
            yield
        finally:
            self._expected.remove((status, path))


@pytest.fixture
def console():
    return ConsoleWatch()


@pytest.fixture
def page(request, browser, live_server, console):
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(_CSP_LISTENER)
    page = context.new_page()
    page.on("console", console.on_console)
    page.on("pageerror", console.on_page_error)
    request.node.stash[_WATCH] = console
    try:
        yield page
    finally:
        context.close()
        if console.favicon_404:
            request.config.stash.setdefault(_NOTES, []).append(
                "GET /favicon.ico answered 404 (a console error in every browser): add a favicon."
            )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fail a browser test whose page logged errors, once its body has run."""
    try:
        result = yield
    finally:
        watch = item.stash.get(_WATCH, None)
        if watch is not None and watch.problems:
            item.add_report_section("call", "browser console", "\n".join(watch.problems))
    if watch is not None and watch.problems:
        pytest.fail("the browser logged errors:\n  " + "\n  ".join(watch.problems), pytrace=False)
    return result


def pytest_terminal_summary(terminalreporter, config):
    notes = sorted(set(config.stash.get(_NOTES, [])))
    if notes:
        terminalreporter.section("e2e notes for the lead")
        for note in notes:
            terminalreporter.write_line(note)
