"""The budget submission workbook: download it, upload an edited copy, preview, commit."""

from __future__ import annotations

import tempfile

from flask import Blueprint, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from exports.submission import write_submission
from forms.requests import DecisionForm
from forms.scenarios import WorkbookUploadForm
from models import ImportBatch, Scenario, db
from services.errors import DomainError
from services.permissions import Action
from services.scenarios import imports
from services.scenarios.submission import build_workbook
from views.access import requires
from views.routing import record_id
from views.transactions import reads_until_write
from views.unit_of_work import button_action

bp = Blueprint("exports", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_response(scenario: Scenario):
    """The workbook streamed from a temporary file (bounded memory for large scenarios)."""
    data = build_workbook(
        scenario,
        current_user,
        current_app.config["APP_VERSION"],
        actual_id=request.args.get("actual", type=record_id),
        enacted_id=request.args.get("enacted", type=record_id),
    )
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - send_file closes it
    write_submission(data, spool)
    spool.seek(0)
    safe_name = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in scenario.name)
    return send_file(spool, mimetype=XLSX, as_attachment=True, download_name=f"{safe_name}-submission.xlsx")


@bp.route("/scenarios/<int:scenario_id>/export.xlsx")
@requires(Action.READ)
def export(scenario_id: int):
    scenario = db.get_or_404(Scenario, scenario_id)
    try:
        return workbook_response(scenario)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("scenarios.show", scenario_id=scenario_id))


@bp.route("/scenarios/<int:scenario_id>/imports", methods=["POST"])
@requires(Action.EDIT_BUDGET)
@reads_until_write  # a long solve or parse before one write: no lock held meanwhile
def upload(scenario_id: int):
    scenario = db.get_or_404(Scenario, scenario_id)
    form = WorkbookUploadForm()
    back = url_for("scenarios.show", scenario_id=scenario_id)
    if not form.validate_on_submit():
        flash(" ".join(form.file.errors) or "Choose the workbook to upload.", "error")
        return redirect(back)
    upload = form.file.data
    batch = button_action(
        back, lambda: imports.preview_import(current_user, scenario, upload.filename or "upload.xlsx", upload.read())
    )
    return redirect(url_for("exports.preview", batch_id=batch.id))


@bp.route("/imports/<int:batch_id>")
@requires(Action.EDIT_BUDGET)
def preview(batch_id: int):
    batch = db.get_or_404(ImportBatch, batch_id)
    return render_template("exports/preview.html", batch=batch, offer=imports.commit_offer(batch), form=DecisionForm())


@bp.route("/imports/<int:batch_id>/commit", methods=["POST"])
@requires(Action.EDIT_BUDGET)
def commit(batch_id: int):
    batch = db.get_or_404(ImportBatch, batch_id)
    counts = button_action(
        url_for("exports.preview", batch_id=batch_id), lambda: imports.commit_import(current_user, batch)
    )
    flash(f"Imported: {counts['added']} added, {counts['changed']} changed, {counts['removed']} removed.", "success")
    return redirect(url_for("scenarios.show", scenario_id=batch.scenario_id))
