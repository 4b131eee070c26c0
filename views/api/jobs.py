"""API: background jobs (state, progress, result, cancel) and the work started as one (an allocation sweep)."""

from __future__ import annotations

from decimal import Decimal

from flask import jsonify, url_for
from marshmallow import Schema, fields, validate

from models import AllocationRun, Job, JobKind, JobState, db
from services.allocation import jobs as allocation_jobs
from services.inputs import Rule
from services.jobs import lifecycle
from services.permissions import Action
from services.scenarios import export_jobs
from views.api.core import ApiDoc, actor, json_body, operation
from views.api.schemas import UtcDateTime
from views.jobs import launch, result_page
from views.unit_of_work import perform


class JobSchema(Schema):
    """A job as scripts poll it: `state` and `progress` until it is finished, then `result`."""

    id = fields.Integer(dump_only=True)
    kind = fields.Enum(JobKind, by_value=True, dump_only=True)
    title = fields.String(dump_only=True)
    state = fields.Enum(JobState, by_value=True, dump_only=True)
    progress = fields.Integer(dump_only=True, metadata={"description": "0 to 100"})
    message = fields.String(dump_only=True)
    error = fields.String(dump_only=True, allow_none=True, metadata={"description": "why it failed"})
    result = fields.Method("_result", dump_only=True, allow_none=True)
    created_at = UtcDateTime(dump_only=True)
    started_at = UtcDateTime(dump_only=True, allow_none=True)
    finished_at = UtcDateTime(dump_only=True, allow_none=True)

    def _result(self, job: Job) -> dict | None:
        """Links to what it made (the API resource and the page), and the data of what has no record."""
        page = result_page(job)
        if page is None:
            return None
        answer: dict = {"page": page}
        if job.result_type == "allocation_run" and job.kind == JobKind.ALLOCATION_RUN:
            answer["url"] = url_for("api.get_run", run_id=job.result_id)
        if job.result_type == "selection_run":
            answer["url"] = url_for("api.get_selection_run", selection_run_id=job.result_id)
        if job.result_type == "import_batch":
            answer["url"] = url_for("api.get_import", batch_id=job.result_id)
        if job.result_type == "actuals_load":
            answer["url"] = url_for("api.get_actuals_import", load_id=job.result_id)
        if job.kind == JobKind.WORKBOOK_EXPORT:
            answer["url"] = page  # the download, which an API token opens as a session does
            if removed := export_jobs.removed_workbook(job):
                answer["removed"] = removed  # kept JOBS_EXPORTS_KEEP_HOURS: the download now answers 410
        if job.result is not None:
            answer["data"] = job.result
        return answer


class SweepRequestSchema(Schema):
    fund = fields.String(required=True, validate=validate.Length(1, 60), metadata={"example": "INCLE-FY2027"})
    low = fields.Decimal(
        load_default=Decimal("0.7"),
        validate=validate.Range(0, 5),
        as_string=True,
        metadata={"description": "from, a share of today's level"},
    )
    high = fields.Decimal(
        load_default=Decimal("1.3"), validate=validate.Range(0, 5), as_string=True, metadata={"description": "to"}
    )


job_schema = JobSchema()


def accepted(job: Job):
    """202 Accepted, with the job's resource in Location (or 200 with the finished job when it ran at once)."""
    location = url_for("api.get_job", job_id=job.id)
    status = 200 if job.state.is_finished else 202
    return jsonify(job_schema.dump(job)), status, {"Location": location}


@operation(
    "/jobs/<int:job_id>",
    "GET",
    ApiDoc("A background job: state, progress, result or error", Action.READ, response_schema=JobSchema),
)
def get_job(job_id: int):
    return jsonify(job_schema.dump(db.get_or_404(Job, job_id)))


@operation(
    "/jobs/<int:job_id>/cancel",
    "POST",
    ApiDoc(
        "Cancel a job: at once when queued, at its next step when running; 409 once finished",
        Action.READ,
        response_schema=JobSchema,
        body_required=False,
    ),
)
def cancel_job(job_id: int):
    job = db.get_or_404(Job, job_id)
    perform(lifecycle.cancel_job, actor(), job)
    return jsonify(job_schema.dump(job))


@operation(
    "/allocation-runs/<int:run_id>/sweeps",
    "POST",
    ApiDoc(
        "Sweep one fund of a run from `low` to `high` of its level (seven solves) as a background job: "
        "202 with the job in Location",
        Action.RUN_ALLOCATION,
        SweepRequestSchema,
        JobSchema,
        status=202,
        rules=(
            Rule(("fund",), "One of the run's appropriations (the `id` of one of its problem's funds)."),
            Rule(("low", "high"), "`high` must not be below `low`."),
        ),
    ),
)
def start_sweep(run_id: int):
    run = db.get_or_404(AllocationRun, run_id)
    body = SweepRequestSchema().load(json_body())
    job = perform(allocation_jobs.start_sweep, actor(), run, body["fund"], body["low"], body["high"])
    launch(job, at_once=False)
    return accepted(job)
