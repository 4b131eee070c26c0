"""Error pages for people and error bodies for scripts: never a traceback."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError

from models import db
from models.base import lock_transactions_at_begin

API_PREFIX = "/api/"
_MESSAGES = {
    400: "The request was not understood.",
    401: "Sign in, or send a valid API token.",
    403: "You don't have permission to do that.",
    404: "There is nothing here. It may have been deleted.",
    405: "That action is not allowed here.",
    409: "Someone else changed this since you opened it.",
    410: "This is no longer kept.",
    413: "The upload is too large.",
    422: "Some fields are not valid.",
    429: "Too many attempts. Wait a few minutes and try again.",
    500: "Something went wrong on our side. Nothing was changed. Try again, and tell an administrator if it persists.",
    503: "Many changes to the same money arrived at once and this one could not wait its turn. Nothing was changed: "
    "send it again.",
}
_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "too_large",
    422: "invalid",
    429: "too_many_requests",
    500: "server_error",
    503: "busy",
}
# PostgreSQL: deadlock, serialization failure, lock not available.
_BUSY_SQLSTATES = frozenset({"40P01", "40001", "55P03"})


def database_was_busy(error: Exception) -> bool:
    """A lock on the database could not be had in time (SQLite's busy timeout, a PostgreSQL deadlock)."""
    if not isinstance(error, sa.exc.OperationalError):
        return False
    return getattr(error.orig, "sqlstate", None) in _BUSY_SQLSTATES or "database is locked" in str(error.orig)


def wants_json() -> bool:
    return request.path.startswith(API_PREFIX) or request.path == "/healthz"


def error_body(status: int, message: str | None = None, fields: dict | None = None):
    body = {
        "error": {
            "code": _CODES.get(status, "error"),
            "message": message or _MESSAGES.get(status, ""),
            "fields": fields or {},
        }
    }
    return jsonify(body), status


def init_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        message = "The form expired or came from elsewhere. Reload the page and try again."
        app.logger.warning("CSRF refused: %s", error.description)
        if wants_json():
            return error_body(400, message, {"csrf_token": error.description})
        return render_template("errors/400.html", message=message), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        # Werkzeug's own headers, such as the Allow that RFC 9110 requires on every 405.
        headers = [(name, value) for name, value in error.get_headers() if name.lower() != "content-type"]
        if wants_json():
            body, status = error_body(status)
            return body, status, headers
        template = f"errors/{status}.html" if status in _MESSAGES else "errors/400.html"
        return render_template(template, message=None), status, headers

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        if isinstance(error, HTTPException):  # pragma: no cover - handled above
            return http_error(error)
        db.session.rollback()
        if isinstance(error, StaleDataError):  # a row changed under a write that read it first
            return error_body(409) if wants_json() else (render_template("errors/409.html", message=None), 409)
        if database_was_busy(error):
            lock_transactions_at_begin(False)  # the page itself must not queue for the lock again
            app.logger.warning("Database busy on %s %s: %s", request.method, request.path, error.orig)
            return error_body(503) if wants_json() else (render_template("errors/503.html"), 503)
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        if wants_json():
            return error_body(500)
        return render_template("errors/500.html", message=None), InternalServerError.code
