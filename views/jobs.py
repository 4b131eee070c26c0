"""Background jobs: a job's page (a progress bar that moves), cancelling it, and where its result is.

Starting a job belongs to the page of the work (an allocation's sweep, ...): it commits the job,
then either hands it to the queue or, when the work is small, runs it at once (`launch`, `started`).
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_login import current_user

import jobs
from forms.jobs import CancelJobForm
from jobs.worker import perform
from models import Job, JobKind, JobState, db
from services.jobs import lifecycle
from services.permissions import Action
from services.scenarios import export_jobs
from views.access import requires
from views.unit_of_work import Saved, button_action

bp = Blueprint("jobs", __name__)


def result_page(job: Job) -> str | None:
    """Where a finished job's result is read: the run, the sweep's curves, ..."""
    if job.state != JobState.SUCCEEDED:
        return None
    if job.kind == JobKind.ALLOCATION_SWEEP:
        return url_for("allocation.sensitivity_page", run_id=job.result_id, job=job.id)
    if job.result_type == "allocation_run":
        return url_for("allocation.show", run_id=job.result_id)
    if job.result_type == "selection_run":
        return url_for("programs.selection_run", selection_run_id=job.result_id)
    if job.kind == JobKind.WORKBOOK_EXPORT:
        return url_for("exports.job_workbook", job_id=job.id)
    if job.result_type == "import_batch":
        return url_for("exports.preview", batch_id=job.result_id)
    if job.result_type == "actuals_load":
        return url_for("actuals.preview", load_id=job.result_id)
    return None


def launch(job: Job, *, at_once: bool) -> None:
    """After the job's commit: run it now (small work answers at once) or hand it to the queue."""
    if at_once:
        perform(job.id)
    else:
        jobs.enqueue(job.id)
    db.session.refresh(job)


def started(job: Job, *, at_once: bool) -> Saved:
    """Where a page goes once it has committed a job: its result when it ran at once, else its progress."""
    launch(job, at_once=at_once)
    return Saved(None, result_page(job) or url_for("jobs.show", job_id=job.id))


@bp.route("/jobs")
@requires(Action.READ)
def index():
    return render_template("jobs/index.html", jobs=lifecycle.jobs_of(current_user))


@bp.route("/jobs/<int:job_id>")
@requires(Action.READ)
def show(job_id: int):
    job = db.get_or_404(Job, job_id)
    removed = export_jobs.removed_workbook(job)
    return render_template(
        "jobs/show.html",
        job=job,
        result_url=None if removed else result_page(job),
        removed=removed,
        may_cancel=lifecycle.may_cancel(current_user, job),
        cancel_form=CancelJobForm(),
        poll_every_ms=current_app.config.get("JOBS_POLL_MS", 1000),
    )


@bp.route("/jobs/<int:job_id>/cancel", methods=["POST"])
@requires(Action.READ)
def cancel(job_id: int):
    job = db.get_or_404(Job, job_id)
    back = url_for("jobs.show", job_id=job.id)
    button_action(back, lambda: lifecycle.cancel_job(current_user, job))
    return redirect(back)
