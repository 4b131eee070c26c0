"""Administration: users and office settings."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from forms.admin import NewUserForm, SettingsForm, UserForm
from models import Division, FundsControl, Role, User, db
from services import accounts, settings
from services.audit import history
from services.errors import DomainError
from services.permissions import Action
from views.access import requires
from views.feedback import show_domain_error

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/users")
@requires(Action.MANAGE_USERS)
def users():
    records = db.session.scalars(db.select(User).order_by(User.active.desc(), User.name))
    return render_template("admin/users.html", users=list(records))


@bp.route("/users/new", methods=["GET", "POST"])
@requires(Action.MANAGE_USERS)
def new_user():
    form = NewUserForm()
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        try:
            user = accounts.create_user(
                current_user,
                email=form.email.data,
                name=form.name.data,
                role=Role(form.role.data),
                division=db.session.get(Division, form.division.data) if form.division.data else None,
                password=form.password.data,
            )
        except DomainError as exc:
            status = show_domain_error(form, exc)
        else:
            db.session.commit()
            flash(f"{user.name} can now sign in as {user.email}.", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None), status


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@requires(Action.MANAGE_USERS)
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=user if request.method == "GET" else None)
    status = 422 if form.is_submitted() else 200
    if request.method == "GET":
        form.role.data = user.role.value
        form.division.data = user.division_id
    elif form.validate_on_submit():
        try:
            accounts.update_user(
                current_user,
                user,
                name=form.name.data,
                role=Role(form.role.data),
                division=db.session.get(Division, form.division.data) if form.division.data else None,
                active=form.active.data,
                expected_version=form.expected_version,
            )
        except DomainError as exc:
            status = show_domain_error(form, exc)
        else:
            db.session.commit()
            flash(f"{user.name} saved.", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user, events=history("user", user.id)), status


@bp.route("/settings", methods=["GET", "POST"])
@requires(Action.MANAGE_SETTINGS)
def settings_page():
    form = SettingsForm()
    if request.method == "GET":
        form.funds_control.data = settings.funds_control().value
    elif form.validate_on_submit():
        settings.set_funds_control(current_user, FundsControl(form.funds_control.data))
        db.session.commit()
        flash("Settings saved.", "success")
        return redirect(url_for("admin.settings_page"))
    return render_template("admin/settings.html", form=form), 422 if form.is_submitted() else 200
