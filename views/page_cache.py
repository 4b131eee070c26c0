"""Whole answers of the busiest read pages, kept per web process and never stale.

The dashboard, the status of funds and the budget lines (pages and API) are read far more often
than the data behind them changes. An answer is kept under:
- the data's version (models.data_version), read before anything the answer shows: every commit
  replaces it in its own transaction, so once anything changes no older answer is served again;
- who asks: the user (with their session's version) and, for a cookie session, the CSRF token
  the page's forms carry;
- the address with its query, and today's date (figures are as of today).
A page with flashed messages to show is neither served from nor kept. Each process keeps at most
PAGE_CACHE_BYTES of answers, least recently used first out (0 keeps none).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import wraps

from cachetools import LRUCache
from flask import Flask, current_app, g, make_response, request, session
from flask_login import current_user

from models import current_data_version, db
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
    """Serve a read page's whole answer from the process's store while nothing has changed.

    Put it under the route's guard (`requires`, `operation`): the caller is checked every time."""

    @wraps(view)
    def answer(*args, **kwargs):
        key = _key()
        if key is None:
            return view(*args, **kwargs)
        answers: KeptAnswers = current_app.extensions["page_cache"]
        kept = answers.get(key)
        if kept is not None:
            return current_app.response_class(kept.body, headers=list(kept.headers))
        response = make_response(view(*args, **kwargs))
        if response.status_code == 200 and not response.is_streamed:
            headers = tuple(
                (name, value) for name, value in response.headers.items() if name.lower() not in NOT_KEPT_HEADERS
            )
            answers.keep(key, KeptAnswer(response.get_data(), headers))
        return response

    answer.kept_whole = True
    return answer


def _key() -> tuple | None:
    version = g.get("data_version")
    if version is None or "_flashes" in session:
        return None
    form_token = None
    if bearer_token() is None:  # a cookie session: its pages carry its CSRF token
        form_token = session.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
        if form_token is None:
            return None  # this render makes the token; the next one is kept
    return (version, dt.date.today(), current_user.get_id(), form_token, request.full_path)


def init_page_cache(app: Flask) -> None:
    """Registered right after the transactions' hook: the version is read before the user is."""
    app.extensions["page_cache"] = KeptAnswers(app.config["PAGE_CACHE_BYTES"])

    @app.before_request
    def read_data_version():
        if request.method != "GET" or not app.config["PAGE_CACHE_BYTES"]:
            return
        if getattr(app.view_functions.get(request.endpoint or ""), "kept_whole", False):
            g.data_version = current_data_version(db.session)
