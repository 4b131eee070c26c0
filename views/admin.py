"""Administration: users and office settings."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from forms.admin import FareForm, NewUserForm, PayTableForm, PurposeForm, SettingsForm, UserForm
from forms.auth import ConfirmForm
from models import CityPairFare, Division, FundsControl, PayRate, Role, TravelPurpose, User, db
from services import accounts, reference_admin, settings
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


def _reference_page(status: int = 200, **forms):
    purposes = db.session.scalars(db.select(TravelPurpose).order_by(TravelPurpose.name))
    fares = db.session.scalars(db.select(CityPairFare).order_by(CityPairFare.origin, CityPairFare.destination))
    tables = db.session.execute(
        db.select(PayRate.pay_plan, PayRate.year, db.func.count(PayRate.id), db.func.max(PayRate.source))
        .group_by(PayRate.pay_plan, PayRate.year)
        .order_by(PayRate.year.desc(), PayRate.pay_plan)
    )
    context = {
        "purpose_form": PurposeForm(formdata=None),
        "fare_form": FareForm(formdata=None),
        "pay_form": PayTableForm(formdata=None),
        "button_form": ConfirmForm(),
        **forms,
    }
    return render_template(
        "admin/reference.html", purposes=list(purposes), fares=list(fares), tables=list(tables), **context
    ), status


@bp.route("/reference")
@requires(Action.MANAGE_REFERENCE)
def reference():
    return _reference_page()


@bp.route("/reference/purposes", methods=["POST"])
@requires(Action.MANAGE_REFERENCE)
def add_purpose():
    form = PurposeForm()
    if form.validate_on_submit():
        try:
            reference_admin.add_purpose(current_user, form.name.data)
        except DomainError as exc:
            return _reference_page(show_domain_error(form, exc), purpose_form=form)
        db.session.commit()
        flash("Purpose added.", "success")
        return redirect(url_for("admin.reference"))
    return _reference_page(422, purpose_form=form)


@bp.route("/reference/purposes/<int:purpose_id>/<any(retire, restore):move>", methods=["POST"])
@requires(Action.MANAGE_REFERENCE)
def toggle_purpose(purpose_id: int, move: str):
    purpose = db.get_or_404(TravelPurpose, purpose_id)
    reference_admin.set_purpose_active(current_user, purpose, move == "restore")
    db.session.commit()
    flash(f"{purpose.name}: {'offered again' if purpose.active else 'no longer offered'}.", "success")
    return redirect(url_for("admin.reference"))


@bp.route("/reference/fares", methods=["POST"])
@requires(Action.MANAGE_REFERENCE)
def save_fare():
    form = FareForm()
    if form.validate_on_submit():
        reference_admin.save_fare(current_user, form.origin.data, form.destination.data, form.fare.decimal)
        db.session.commit()
        flash(f"Fare {form.origin.data}–{form.destination.data} saved.", "success")
        return redirect(url_for("admin.reference"))
    return _reference_page(422, fare_form=form)


@bp.route("/reference/fares/<int:fare_id>/delete", methods=["POST"])
@requires(Action.MANAGE_REFERENCE)
def delete_fare(fare_id: int):
    fare = db.get_or_404(CityPairFare, fare_id)
    reference_admin.delete_fare(current_user, fare)
    db.session.commit()
    flash("Fare deleted.", "success")
    return redirect(url_for("admin.reference"))


@bp.route("/reference/pay-table", methods=["POST"])
@requires(Action.MANAGE_REFERENCE)
def load_pay_table():
    form = PayTableForm()
    if form.validate_on_submit():
        try:
            count = reference_admin.load_pay_table(current_user, form.file.data.read(2 * 1024 * 1024))
        except DomainError as exc:
            return _reference_page(show_domain_error(form, exc), pay_form=form)
        db.session.commit()
        flash(f"Loaded {count} pay rates.", "success")
        return redirect(url_for("admin.reference"))
    return _reference_page(422, pay_form=form)
