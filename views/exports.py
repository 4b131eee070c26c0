"""The budget submission workbook: download it, upload an edited copy, preview, commit."""

from __future__ import annotations

import tempfile

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from exports.submission import write_submission
from forms.requests import DecisionForm
from forms.scenarios import WorkbookUploadForm
from models import ImportBatch, Job, JobState, Scenario, db
from services.errors import DomainError
from services.permissions import Action, may_download_made_workbook
from services.scenarios import export_jobs, import_jobs, imports
from services.scenarios.submission import build_workbook
from views.access import requires
from views.errors import error_body
from views.jobs import started
from views.routing import record_id
from views.security import bearer_token
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
    return send_file(spool, mimetype=XLSX, as_attachment=True, download_name=export_jobs.download_name(scenario.name))


# A scenario of more than JOBS_EXPORT_LINES lines: its page offers "Prepare the submission workbook"
# (a job, `prepare`) instead of this link. This GET still answers at once, whatever the size: it streams
# from a spooled file in bounded memory, as it always did, so bookmarks and scripts keep working; and a GET
# is safe, so it must not start a job (a write, with its audit event) behind a link or a crawler.
@bp.route("/scenarios/<int:scenario_id>/export.xlsx")
@requires(Action.READ)
def export(scenario_id: int):
    scenario = db.get_or_404(Scenario, scenario_id)
    try:
        return workbook_response(scenario)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("scenarios.show", scenario_id=scenario_id))


@bp.route("/scenarios/<int:scenario_id>/exports", methods=["POST"])
@requires(Action.READ)
def prepare(scenario_id: int):
    """Make the workbook as a job: in the background for a large scenario (the job's page shows its
    progress, then the download), at once for a small one (straight to the download)."""
    scenario = db.get_or_404(Scenario, scenario_id)
    at_once = export_jobs.line_count(scenario) <= current_app.config["JOBS_EXPORT_LINES"]
    job = button_action(
        url_for("scenarios.show", scenario_id=scenario.id),
        lambda: export_jobs.start_export(
            current_user,
            scenario,
            actual_id=request.args.get("actual", type=record_id),
            enacted_id=request.args.get("enacted", type=record_id),
        ),
    )
    return redirect(started(job, at_once=at_once).url)


@bp.route("/jobs/<int:job_id>/workbook.xlsx")
@requires(Action.READ)
def job_workbook(job_id: int):
    """The workbook a job made, for the person it was made for (it shows what they may see)."""
    job = db.get_or_404(Job, job_id)
    path = export_jobs.workbook_path(job) if job.state == JobState.SUCCEEDED else None
    if path is None:  # another kind of job, or one not finished: its page says where it is
        return redirect(url_for("jobs.show", job_id=job.id))
    if not may_download_made_workbook(current_user, job.created_by_id):
        abort(403)
    removed = export_jobs.removed_workbook(job)
    if removed is not None:  # older than JOBS_EXPORTS_KEEP_HOURS
        return _gone(job, removed)
    try:
        return send_file(path, mimetype=XLSX, as_attachment=True, download_name=job.result["download_name"])
    except FileNotFoundError:  # removed by another consumer's clean-up since it was looked for
        return _gone(job, export_jobs.removed_workbook(job))


def _gone(job: Job, why: str):
    """A prepared workbook no longer kept: a script is told as JSON, a person on a page."""
    if bearer_token() is not None:
        return error_body(410, why)
    scenario_page = url_for("scenarios.show", scenario_id=job.result["scenario_id"])
    return render_template("errors/410.html", message=why, back=scenario_page), 410


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
    filename, content = upload.filename or "upload.xlsx", upload.read()
    if len(content) > current_app.config["JOBS_IMPORT_BYTES"]:  # a large workbook: previewed by a job
        job = button_action(back, lambda: import_jobs.start_import(current_user, scenario, filename, content))
        return redirect(started(job, at_once=False).url)
    batch = button_action(back, lambda: imports.preview_import(current_user, scenario, filename, content))
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
