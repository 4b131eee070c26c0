"""Reading a large actuals extract, as a background job.

An extract of up to `JOBS_ACTUALS_BYTES` is read and previewed in the request, as always; a larger one
is kept in the uploads folder (services.jobs.uploads) and a job runs the same preview (`preview_load`),
writing the load last, in the job's one transaction: a job that fails or is cancelled writes no load.
The upload is removed when the job ends. Committing the previewed load stays the load page's button.
"""

from __future__ import annotations

from exports.actuals import check_extract
from exports.errors import ImportRejected
from models import Job, JobKind, User, db
from services.errors import ValidationError
from services.execution.actuals import preview_load
from services.jobs.lifecycle import Outcome, Progress, start_job
from services.jobs.uploads import keep_upload, read_upload

RESULT_TYPE = "actuals_load"


def start_load(actor: User, filename: str, content: bytes) -> Job:
    """A queued preview of the extract (the caller commits, then hands the job to the queue)."""
    try:
        check_extract(content, filename)  # a file that can't be an extract is refused now, not after a wait
    except ImportRejected as exc:
        raise ValidationError(exc.message, fields={"file": exc.message}) from exc
    job = start_job(actor, JobKind.ACTUALS_LOAD, f"Actuals load of {filename[:120]}", {"filename": filename[:255]})
    keep_upload(job, content)
    db.session.flush()
    return job


def run_load_job(actor: User, params: dict, progress: Progress) -> Outcome:
    load = preview_load(actor, params["filename"], read_upload(params), progress)
    preview = load.preview
    problems = f", {len(preview['errors'])} problems" if preview["errors"] else ""
    return Outcome(
        f"Load {load.id} of {params['filename']}: {preview['rows']:,} rows, {preview['new']:,} new{problems}.",
        RESULT_TYPE,
        load.id,
    )
