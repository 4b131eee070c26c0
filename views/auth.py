"""Sign in, sign out, and the profile page (password, personal API tokens)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from forms.auth import ConfirmForm, LoginForm, PasswordForm, TokenForm
from models import ApiToken, db
from services.office import accounts
from services.permissions import Action
from views.access import public, requires
from views.transactions import reads_until_write
from views.unit_of_work import Saved, button_action, form_page, perform, submit

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect to another host after sign-in."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("dashboard.index")


def _throttle() -> accounts.Throttle:
    config = current_app.config
    return accounts.Throttle(
        free_failures=config["LOGIN_FREE_FAILURES"],
        account_free_failures=config["LOGIN_ACCOUNT_FREE_FAILURES"],
        first_delay=dt.timedelta(seconds=config["LOGIN_FIRST_DELAY_SECONDS"]),
        max_delay=dt.timedelta(seconds=config["LOGIN_MAX_DELAY_SECONDS"]),
    )


@bp.route("/login", methods=["GET", "POST"])
@public
@reads_until_write  # a password hash is slow: no write lock held meanwhile
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = perform(
                accounts.authenticate,
                form.email.data,
                form.password.data,
                request.remote_addr or "unknown",
                _throttle(),
            )
        except accounts.ThrottledError as exc:  # rolled back: the delay doesn't grow while waiting
            form.password.errors.append(exc.message)
            return render_template("auth/login.html", form=form), 429, {"Retry-After": str(exc.retry_after)}
        if user is not None:
            session.clear()  # a fresh session on sign-in (no fixation)
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append("The email or password is not right.")
        status = 401
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@requires(Action.MANAGE_OWN_ACCOUNT)
def logout():
    perform(accounts.sign_out, current_user)
    logout_user()
    session.clear()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/profile")
@requires(Action.MANAGE_OWN_ACCOUNT)
def profile():
    return _profile_page()


def _profile_page(status: int = 200, **shown):
    """The profile page; `shown` replaces its blank forms (one sent again with its errors) or says
    the new token."""
    context = {
        "password_form": PasswordForm(),
        "token_form": TokenForm(),
        "revoke_form": ConfirmForm(),
        "new_token": None,
        **shown,
    }
    return render_template("auth/profile.html", tokens=accounts.tokens_of(current_user), **context), status


@bp.route("/profile/password", methods=["POST"])
@requires(Action.MANAGE_OWN_ACCOUNT)
@reads_until_write  # password hashes are slow: no write lock held meanwhile
def change_password():
    form = PasswordForm()
    # A refusal stands on the field it is about: the current or the new password.
    return form_page(
        form,
        lambda: accounts.change_password(current_user, form.current_password.data, form.password.data),
        _password_changed,
        lambda status: _profile_page(status, password_form=form),
    )


def _password_changed(_) -> Saved:
    login_user(current_user._get_current_object())  # keep this session; every other one has ended
    return Saved(
        "Your password has changed. Every other session has been signed out and your API tokens revoked.",
        url_for("auth.profile"),
    )


@bp.route("/profile/tokens", methods=["POST"])
@requires(Action.MANAGE_OWN_ACCOUNT)
def create_token():
    form = TokenForm()
    done = submit(form, lambda: accounts.issue_token(current_user, current_user, form.label.data))
    if done.saved:
        form = TokenForm(formdata=None)
    # The plain token is shown once, on this response, and never stored.
    return _profile_page(done.status, token_form=form, new_token=done.result)


@bp.route("/profile/tokens/<int:token_id>/revoke", methods=["POST"])
@requires(Action.MANAGE_OWN_ACCOUNT)
def revoke_token(token_id: int):
    token = db.get_or_404(ApiToken, token_id)
    if token.user_id != current_user.id:
        return render_template("errors/404.html", message=None), 404
    if ConfirmForm().validate_on_submit():
        button_action(url_for("auth.profile"), lambda: accounts.revoke_token(current_user, token))
        flash(f"The token “{token.label}” is revoked.", "success")
    return redirect(url_for("auth.profile"))
