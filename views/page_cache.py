"""Whole answers of the busiest read pages, kept per web process and never stale.

The dashboard, the status of funds and the budget lines (pages and API) are read far more often
than the data behind them changes. An answer is kept under:
- the data's version (models.data_version), read before anything the answer shows: every commit
  that writes replaces it in its own transaction, so once anything changes no older answer is
  served again;
- who asked, as their credentials say: the API token, or the session's user (with its session
  version) and the CSRF token the page's forms carry;
- the address with its query, and today's date (figures are as of today).
An answer is kept only after the route's guard let its caller in and the view answered 200. While
the data's version stays the same, nothing that guard read has changed either (a role, a
deactivation, a revoked token, a signed-out session are all commits), so the same credentials
are answered from the store before the user is even loaded. A page with flashed messages to show,
or a request with a body, is computed afresh. Each process keeps at most PAGE_CACHE_BYTES of
answers, least recently used first out (0 keeps none).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import wraps

from cachetools import LRUCache
from flask import Flask, current_app, g, make_response, request, session

from models import current_data_version, db
from services.office.accounts import token_digest
from views.security import bearer_token

NOT_KEPT_HEADERS = frozenset({"set-cookie", "content-length"})  # the session's own; recomputed


@dataclass(frozen=True)
class KeptAnswer:
    body: bytes
    headers: tuple[tuple[str, str], ...]


class KeptAnswers:
    """A byte-bounded LRU map, shared by the threads of one process."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._answers: LRUCache = LRUCache(maxsize=max(max_bytes, 1), getsizeof=lambda answer: len(answer.body))
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> KeptAnswer | None:
        with self._lock:
            return self._answers.get(key)

    def keep(self, key: Hashable, answer: KeptAnswer) -> None:
        if len(answer.body) > self.max_bytes:
            return  # larger than the whole store: not worth evicting everything for
        with self._lock:
            self._answers[key] = answer


def kept_whole(view: Callable) -> Callable:
    """Keep a read page's whole answer for the same credentials while nothing changes.

    Put it under the route's guard (`requires`, `operation`): only an answer its caller was let
    in for is kept. Kept answers are served by the hook below, before the guard runs again."""

    @wraps(view)
    def answer(*args, **kwargs):
        key = _key()  # before the view, which takes any flashed messages out of the session
        response = make_response(view(*args, **kwargs))
        if key is not None and response.status_code == 200 and not response.is_streamed:
            headers = tuple(
                (name, value) for name, value in response.headers.items() if name.lower() not in NOT_KEPT_HEADERS
            )
            current_app.extensions["page_cache"].keep(key, KeptAnswer(response.get_data(), headers))
        return response

    answer.kept_whole = True
    return answer


def _credentials() -> tuple | None:
    token = bearer_token()
    if token is not None:  # a script: the token alone says who it is (a cookie sent too is ignored)
        return ("token", token_digest(token))
    # Flask-Login's "<user id>:<session version>". Its session protection is "basic" (extensions.py),
    # which only marks a session no longer fresh, never signs it out: a kept answer may skip it.
    user_id = session.get("_user_id")
    form_token = session.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    if user_id is None or form_token is None:
        return None  # not signed in; or this render makes the CSRF token, and the next one is kept
    return ("session", user_id, form_token)


def _key() -> tuple | None:
    version = g.get("data_version")
    if version is None or "_flashes" in session:
        return None
    credentials = _credentials()
    if credentials is None:
        return None
    return (version, dt.date.today(), credentials, request.full_path)


def init_page_cache(app: Flask) -> None:
    """Registered right after the transactions' hook, before the user is loaded."""
    answers = app.extensions["page_cache"] = KeptAnswers(app.config["PAGE_CACHE_BYTES"])

    @app.before_request
    def answer_if_kept():
        if request.method != "GET" or not app.config["PAGE_CACHE_BYTES"] or request.content_length:
            return None
        if not getattr(app.view_functions.get(request.endpoint or ""), "kept_whole", False):
            return None
        g.data_version = current_data_version(db.engine)
        key = _key()
        kept = answers.get(key) if key is not None else None
        if kept is None:
            return None
        return app.response_class(kept.body, headers=list(kept.headers))
