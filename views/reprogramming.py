"""Reprogramming pages: the year's list with its cumulative moves, drafting, a reprogramming's review page
with its workflow's buttons, and the notification package (a printable page and a workbook)."""

from __future__ import annotations

import datetime as dt
import io

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from exports.notification import download_name, write_notification
from forms.reprogramming import ReprogrammingForm, StepForm
from models import Reprogramming, ReprogrammingStatus, db
from services.budget.dashboard import working_scenario
from services.office.reference import fiscal_year_choices
from services.office.settings import office_settings
from services.permissions import Action
from services.reprogramming import drafts, queries, workflow
from services.reprogramming.groups import group_label
from services.reprogramming.law import day
from services.reprogramming.package import notification_package
from views.access import requires
from views.exports import XLSX
from views.routing import whole_number
from views.unit_of_work import Saved, button_action, form_page

bp = Blueprint("reprogramming", __name__, url_prefix="/reprogrammings")


def _load(reprogramming_id: int) -> Reprogramming:
    return db.get_or_404(Reprogramming, reprogramming_id)


@bp.route("/")
@requires(Action.READ)
def index():
    scenario = working_scenario()
    asked = request.args.get("fiscal_year", type=whole_number(1900, 2200))
    year = asked or (scenario.budget_year if scenario else dt.date.today().year)
    years = sorted({year, *(value for value, _ in fiscal_year_choices())})
    return render_template(
        "reprogramming/index.html",
        year=year,
        years=years,
        reprogrammings=queries.list_reprogrammings(queries.ReprogrammingFilter(year=year)),
        cumulative=queries.cumulative_moves(year),
        day=day,
    )


def _drafted(reprogramming: Reprogramming, verb: str) -> Saved:
    return Saved(
        f"Reprogramming {reprogramming.id} {verb}. Check the decision below, then submit it.",
        url_for("reprogramming.show", reprogramming_id=reprogramming.id),
    )


@bp.route("/new", methods=["GET", "POST"])
@requires(Action.REPROGRAM)
def new():
    form = ReprogrammingForm()
    scenario = working_scenario()
    if request.method == "GET" and scenario is not None and scenario.is_editable:
        form.scenario.data = scenario.id
    return form_page(
        form,
        lambda: drafts.create_reprogramming(current_user, form.to_input()),
        lambda saved: _drafted(saved, "drafted"),
        "reprogramming/form.html",
        record=None,
    )


@bp.route("/<int:reprogramming_id>/edit", methods=["GET", "POST"])
@requires(Action.REPROGRAM)
def edit(reprogramming_id: int):
    record = _load(reprogramming_id)
    if record.status != ReprogrammingStatus.DRAFT:
        flash(f"Reprogramming {record.id} is {record.status.label.lower()}: only a draft is changed.", "warning")
        return redirect(url_for("reprogramming.show", reprogramming_id=record.id))
    form = ReprogrammingForm()
    return form_page(
        form,
        lambda: drafts.update_reprogramming(current_user, record, form.to_input(), form.expected_version),
        lambda saved: _drafted(saved, "saved"),
        "reprogramming/form.html",
        fill_from=record,
        record=record,
    )


@bp.route("/<int:reprogramming_id>")
@requires(Action.READ)
def show(reprogramming_id: int):
    record = _load(reprogramming_id)
    standing = queries.standing([record])[record.id]
    return render_template(
        "reprogramming/show.html",
        record=record,
        moves=[(move, group_label(move.from_group), group_label(move.to_group)) for move in record.moves],
        reasons=drafts.reasons_of(record),
        together=[reason for move in record.moves for reason in standing.cumulative_reasons[move.id]],
        timing=standing.timing if record.is_open else None,
        effect=queries.effect(record),
        steps=workflow.available_steps(current_user, record),
        next_step=workflow.next_step(current_user, record),
        step_form=StepForm(data={"version": record.version}),
        settings=office_settings(),
        today=dt.date.today(),
        day=day,
    )


@bp.route("/<int:reprogramming_id>/<any(submit, notify, clear, execute, withdraw):action>", methods=["POST"])
@requires(workflow.STEP_NEED)
def act(reprogramming_id: int, action: str):
    record = _load(reprogramming_id)
    back = url_for("reprogramming.show", reprogramming_id=record.id)
    form = StepForm()
    if not form.validate():
        flash(" ".join(f"{form[name].label.text}: {' '.join(errors)}" for name, errors in form.errors.items()), "error")
        return redirect(back)
    button_action(
        back, lambda: workflow.take_step(current_user, record, action, form.to_input(), form.expected_version)
    )
    flash(f"Reprogramming {record.id} {workflow.DONE[action]}.", "success")
    return redirect(back)


@bp.route("/<int:reprogramming_id>/notification")
@requires(Action.READ)
def notification(reprogramming_id: int):
    record = _load(reprogramming_id)
    return render_template("reprogramming/notification.html", record=record, package=notification_package(record))


@bp.route("/<int:reprogramming_id>/notification.xlsx")
@requires(Action.READ)
def notification_workbook(reprogramming_id: int):
    package = notification_package(_load(reprogramming_id))
    out = io.BytesIO()  # a page of rows: small
    write_notification(package, out)
    out.seek(0)
    return send_file(out, mimetype=XLSX, as_attachment=True, download_name=download_name(package))
