"""Budget → Actuals: upload the financial system's extract, preview it, commit it; loads; unmatched documents."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from exports.limits import ACTUALS_LIMITS
from forms.actuals import ActualsUploadForm
from forms.requests import DecisionForm
from models import db
from models.actuals import ActualsLoad
from services.execution import actuals, actuals_jobs, actuals_queries
from services.permissions import Action
from views.access import requires
from views.jobs import started
from views.routing import this_page_with, whole_number
from views.transactions import accepts_uploads_of, reads_until_write
from views.unit_of_work import button_action

UPLOAD_LIMIT = ACTUALS_LIMITS.max_bytes + 1024 * 1024  # the file and the form around it
PER_PAGE = 25
bp = Blueprint("actuals", __name__, url_prefix="/actuals")


@bp.route("/")
@requires(Action.READ)
def index():
    page = actuals_queries.loads(request.args.get("page", 1, type=whole_number(1, 10**9)), PER_PAGE)
    return render_template(
        "actuals/index.html",
        page=page,
        form=ActualsUploadForm(),
        page_url=lambda number: this_page_with(page=number),
    )


@bp.route("/imports", methods=["POST"])
@requires(Action.LOAD_ACTUALS)
@accepts_uploads_of(UPLOAD_LIMIT)
@reads_until_write  # a long parse before one write: no lock held meanwhile
def upload():
    form = ActualsUploadForm()
    back = url_for("actuals.index")
    if not form.validate_on_submit():
        flash(" ".join(form.file.errors) or "Choose the extract to upload.", "error")
        return redirect(back)
    upload = form.file.data
    filename, content = upload.filename or "extract.csv", upload.read()
    if len(content) > current_app.config["JOBS_ACTUALS_BYTES"]:  # a large extract: read by a job
        job = button_action(back, lambda: actuals_jobs.start_load(current_user, filename, content))
        return redirect(started(job, at_once=False).url)
    load = button_action(back, lambda: actuals.preview_load(current_user, filename, content))
    return redirect(url_for("actuals.preview", load_id=load.id))


@bp.route("/imports/<int:load_id>")
@requires(Action.LOAD_ACTUALS)
def preview(load_id: int):
    load = db.get_or_404(ActualsLoad, load_id)
    refusal = actuals.commit_refusal(load) or actuals.stale_refusal(load)
    return render_template("actuals/preview.html", load=load, refusal=refusal, form=DecisionForm())


@bp.route("/imports/<int:load_id>/commit", methods=["POST"])
@requires(Action.LOAD_ACTUALS)
def commit(load_id: int):
    load = db.get_or_404(ActualsLoad, load_id)
    written = button_action(
        url_for("actuals.preview", load_id=load_id), lambda: actuals.commit_load(current_user, load)
    )
    flash(f"Load {load_id} committed: {written} transactions written.", "success")
    return redirect(url_for("actuals.index"))


@bp.route("/unmatched")
@requires(Action.READ)
def unmatched():
    return render_template("actuals/unmatched.html", documents=actuals_queries.unmatched_documents())
