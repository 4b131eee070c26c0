"""Which requests take the database's write lock when their unit of work begins.

Every request that may change data (any method but GET, HEAD and OPTIONS) runs with its
transactions write-locked from the start, so a claim on an appropriation reads totals that
no other process can change before it writes (see models.base). Pages that only read, and
the few routes that compute for a long time before writing one record (a solver run, a
workbook parse), read without holding the lock, so they never keep other writers waiting.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, g, request

from models.base import lock_transactions_at_begin, restore_transaction_locking

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def reads_until_write(view: Callable) -> Callable:
    """Mark a write route that computes at length (a solve, a parse, a password hash) before it
    writes, and claims no funds."""
    view.reads_until_write = True
    return view


def accepts_uploads_of(limit: int) -> Callable[[Callable], Callable]:
    """Mark a route that takes a larger upload than the app's MAX_CONTENT_LENGTH (the actuals extract)."""

    def mark(view: Callable) -> Callable:
        view.max_content_length = limit
        return view

    return mark


def _write_locked(app: Flask) -> bool:
    if request.method in READ_METHODS:
        return False
    view = app.view_functions.get(request.endpoint or "")
    return not getattr(view, "reads_until_write", False)


def init_transactions(app: Flask) -> None:
    """Registered before every other hook: signing in already reads the database."""

    @app.before_request
    def choose_transaction_mode():
        g.transaction_locking = lock_transactions_at_begin(_write_locked(app))
        # before any hook reads the form (CSRF, NUL checks): a route's own upload limit
        limit = getattr(app.view_functions.get(request.endpoint or ""), "max_content_length", None)
        if limit is not None:
            request.max_content_length = limit

    @app.teardown_request
    def restore_transaction_mode(_error):
        token = g.pop("transaction_locking", None)
        if token is not None:
            restore_transaction_locking(token)
