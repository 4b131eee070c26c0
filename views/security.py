"""Sign-in plumbing, CSRF for cookie sessions, and security headers."""

from __future__ import annotations

from flask import Flask, flash, redirect, request, url_for
from flask_login import current_user

from extensions import csrf, login_manager
from services.office.accounts import load_session_user, user_for_token
from views.errors import error_body, wants_json
from views.transactions import READ_METHODS

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def init_security(app: Flask) -> None:
    @login_manager.user_loader
    def load_from_session(session_id: str):
        # A request that names a token is that token's, or nobody's: it never
        # falls back to a session cookie sent alongside (which would also skip CSRF).
        return None if bearer_token() is not None else load_session_user(session_id)

    @login_manager.request_loader
    def load_from_token(_request):
        token = bearer_token()
        return user_for_token(token) if token else None

    @app.before_request
    def refuse_bad_tokens():
        if bearer_token() is not None and not current_user.is_authenticated:
            return error_body(401, "The API token is not valid: revoked, mistyped or its user deactivated.")
        return None

    @login_manager.unauthorized_handler
    def unauthorized():
        if wants_json():
            return error_body(401)
        flash(login_manager.login_message, login_manager.login_message_category)
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    @app.before_request
    def check_csrf():
        # Token requests carry no ambient credentials, so they need no CSRF token;
        # anything authenticated by the session cookie does.
        if request.method in READ_METHODS or not app.config.get("WTF_CSRF_ENABLED", True):
            return None
        if bearer_token() is not None:
            return None  # a bad token is refused by load_from_token, never replaced by the cookie
        if not current_user.is_authenticated and request.endpoint != "auth.login":
            return None  # nothing to forge: the route's sign-in guard refuses it (401 or to the sign-in page)
        csrf.protect()
        return None

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.endpoint != "static":
            response.headers.setdefault("Cache-Control", "no-store")
        return response
