"""Administration: users and office settings."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from forms.admin import FareForm, NewUserForm, PayTableForm, PurposeForm, SettingsForm, UserForm
from forms.auth import ConfirmForm
from models import CityPairFare, Division, Role, TravelPurpose, User, db
from services.audit.events import history
from services.office import accounts, reference_admin, settings
from services.permissions import Action
from views.access import requires
from views.unit_of_work import Saved, button_action, form_page

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/users")
@requires(Action.MANAGE_USERS)
def users():
    return render_template("admin/users.html", users=accounts.list_users())


def _division(form) -> Division | None:
    return db.session.get(Division, form.division.data) if form.division.data else None


@bp.route("/users/new", methods=["GET", "POST"])
@requires(Action.MANAGE_USERS)
def new_user():
    form = NewUserForm()
    return form_page(
        form,
        lambda: accounts.create_user(
            current_user,
            email=form.email.data,
            name=form.name.data,
            role=Role(form.role.data),
            division=_division(form),
            password=form.password.data,
        ),
        lambda user: Saved(f"{user.name} can now sign in as {user.email}.", url_for("admin.users")),
        "admin/user_form.html",
        user=None,
    )


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@requires(Action.MANAGE_USERS)
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=user if request.method == "GET" else None)
    if request.method == "GET":
        form.role.data = user.role.value
        form.division.data = user.division_id
    return form_page(
        form,
        lambda: accounts.update_user(
            current_user,
            user,
            name=form.name.data,
            role=Role(form.role.data),
            division=_division(form),
            active=form.active.data,
            expected_version=form.expected_version,
        ),
        lambda _: Saved(f"{user.name} saved.", url_for("admin.users")),
        # The user's history is read only when the form is shown again, after any rollback.
        lambda status: (
            render_template("admin/user_form.html", form=form, user=user, events=history("user", user.id)),
            status,
        ),
    )


@bp.route("/settings", methods=["GET", "POST"])
@requires(Action.MANAGE_SETTINGS)
def settings_page():
    form = SettingsForm()
    if request.method == "GET":
        form.show(settings.office_settings())
    return form_page(
        form,
        lambda: settings.save_office_settings(current_user, form.to_input()),
        lambda _: Saved("Settings saved.", url_for("admin.settings_page")),
        "admin/settings.html",
    )


def _reference_page(status: int = 200, **forms):
    context = {
        "purpose_form": PurposeForm(formdata=None),
        "fare_form": FareForm(formdata=None),
        "pay_form": PayTableForm(formdata=None),
        "button_form": ConfirmForm(),
        **forms,
    }
    return render_template(
        "admin/reference.html",
        purposes=reference_admin.list_purposes(),
        divisions=reference_admin.list_divisions(),
        fares=reference_admin.list_fares(),
        tables=reference_admin.pay_tables(),
        **context,
    ), status


@bp.route("/reference")
@requires(Action.MANAGE_REFERENCE)
def reference():
    return _reference_page()


@bp.route("/reference/purposes", methods=["POST"])
@requires(Action.MANAGE_REFERENCE)
def add_purpose():
    form = PurposeForm()
    return form_page(
        form,
        lambda: reference_admin.add_purpose(current_user, form.name.data),
        lambda _: Saved("Purpose added.", url_for("admin.reference")),
        lambda status: _reference_page(status, purpose_form=form),
    )


@bp.route("/reference/purposes/<int:purpose_id>/<any(retire, restore):move>", methods=["POST"])
@requires(Action.MANAGE_REFERENCE)
def toggle_purpose(purpose_id: int, move: str):
    purpose = db.get_or_404(TravelPurpose, purpose_id)
    button_action(
        url_for("admin.reference"), lambda: reference_admin.set_purpose_active(current_user, purpose, move == "restore")
    )
    flash(f"{purpose.name}: {'offered again' if purpose.active else 'no longer offered'}.", "success")
    return redirect(url_for("admin.reference"))


@bp.route("/reference/divisions/<int:division_id>/<any(grant, withdraw):move>", methods=["POST"])
@requires(Action.MANAGE_REFERENCE)
def toggle_programs_right(division_id: int, move: str):
    division = db.get_or_404(Division, division_id)
    button_action(
        url_for("admin.reference"),
        lambda: reference_admin.set_division_manages_programs(current_user, division, move == "grant"),
    )
    verdict = "manages programs" if division.manages_programs else "no longer manages programs"
    flash(f"{division.name} {verdict}.", "success")
    return redirect(url_for("admin.reference"))


@bp.route("/reference/fares", methods=["POST"])
@requires(Action.MANAGE_REFERENCE)
def save_fare():
    form = FareForm()
    return form_page(
        form,
        lambda: reference_admin.save_fare(current_user, form.origin.data, form.destination.data, form.fare.decimal),
        lambda _: Saved(f"Fare {form.origin.data}–{form.destination.data} saved.", url_for("admin.reference")),
        lambda status: _reference_page(status, fare_form=form),
    )


@bp.route("/reference/fares/<int:fare_id>/delete", methods=["POST"])
@requires(Action.MANAGE_REFERENCE)
def delete_fare(fare_id: int):
    fare = db.get_or_404(CityPairFare, fare_id)
    button_action(url_for("admin.reference"), lambda: reference_admin.delete_fare(current_user, fare))
    flash("Fare deleted.", "success")
    return redirect(url_for("admin.reference"))


@bp.route("/reference/pay-table", methods=["POST"])
@requires(Action.MANAGE_REFERENCE)
def load_pay_table():
    form = PayTableForm()
    return form_page(
        form,
        lambda: reference_admin.load_pay_table(current_user, form.file.data.read(2 * 1024 * 1024)),
        lambda count: Saved(f"Loaded {count} pay rates.", url_for("admin.reference")),
        lambda status: _reference_page(status, pay_form=form),
    )
