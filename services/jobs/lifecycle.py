"""A job's life: started by a person, claimed by one consumer, then succeeded, failed or cancelled.

Runners (one per kind, in their domain's services) take the job's params and a `Progress`
callable; they compute first and write last, and say how far they are as they go. Saying it
is also where a cancellation is noticed (`JobCancelled`): a job stops between steps, never in
the middle of a write. The worker (jobs.worker) commits; these functions flush.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import sqlalchemy as sa

from models import Job, JobKind, JobState, User, db
from models.base import utcnow
from services.audit.events import record_event
from services.errors import ConflictError, PermissionDenied, ValidationError
from services.jobs.uploads import discard_upload
from services.permissions import Action, can

T = TypeVar("T")
Progress = Callable[[int, str], None]  # (percent 0–100, what is happening) → None, or JobCancelled

# Who may start each kind of job (and so cancel anyone's): the action of the work it does.
STARTED_WITH: dict[JobKind, Action] = {
    JobKind.ALLOCATION_RUN: Action.RUN_ALLOCATION,
    JobKind.ALLOCATION_SWEEP: Action.RUN_ALLOCATION,
    JobKind.SELECTION_RUN: Action.MANAGE_PROGRAMS,
    JobKind.WORKBOOK_EXPORT: Action.READ,
    JobKind.WORKBOOK_IMPORT: Action.EDIT_BUDGET,
    JobKind.ACTUALS_LOAD: Action.LOAD_ACTUALS,
}


def job_record(model: type[T], record_id: int, what: str) -> T:
    """The record a job works on, read again by its consumer: refused if it was deleted since the job was queued."""
    record = db.session.get(model, record_id)
    if record is None:
        raise ValidationError(f"The {what} is gone.")
    return record


def step(progress: Progress | None, start: int, end: int, doing: str) -> Callable[[float], None] | None:
    """Begin one step of a job's bar (shown at `start`, at once), for work that then says how far it
    has come (0 to 1): shown up to `end` percent, as "<doing> (40%)". None for work not run as a job."""
    if progress is None:
        return None

    def report(fraction: float) -> None:
        progress(start + round((end - start) * fraction), f"{doing} ({fraction:.0%})")

    report(0)
    return report


class JobCancelled(Exception):
    """Raised by a Progress call once someone has asked the job to stop."""


@dataclass(frozen=True)
class Outcome:
    """What a runner produced: a record it wrote (`result_type`, `result_id`), or JSON (`result`)."""

    message: str
    result_type: str | None = None
    result_id: int | None = None
    result: dict | None = field(default=None)


def start_job(actor: User, kind: JobKind, title: str, params: dict) -> Job:
    """A queued job (the caller commits, then hands its id to the queue)."""
    if not can(actor, STARTED_WITH[kind]):
        raise PermissionDenied("You can't start this work.")
    job = Job(kind=kind, title=title[:200], params=params, created_by_id=actor.id)
    db.session.add(job)
    db.session.flush()
    record_event(actor, "job.create", "job", job.id, after={"kind": kind.value, "title": job.title, "params": params})
    return job


def may_cancel(user: User, job: Job) -> bool:
    return not job.state.is_finished and (user.id == job.created_by_id or can(user, STARTED_WITH[job.kind]))


def cancel_job(actor: User, job: Job) -> Job:
    """A queued job is cancelled at once; a running one is asked to stop at its next step."""
    if job.state.is_finished:
        raise ConflictError(f"The job has already {job.state.value}.")
    if not may_cancel(actor, job):
        raise PermissionDenied("Only the person who started it, or someone who may do that work, can cancel it.")
    before = {"state": job.state.value}
    if job.state == JobState.QUEUED:
        _finish(job, JobState.CANCELLED, "Cancelled before it started.")
    else:
        job.cancel_requested = True
        job.message = "Stopping at the next step…"
    db.session.flush()
    record_event(actor, "job.cancel", "job", job.id, before=before, after={"state": job.state.value})
    return job


def claim_job(job_id: int) -> Job | None:
    """Mark a queued job running for this consumer; None when it is not queued (already taken, cancelled,
    or gone), so that a job handed to the queue twice still runs once."""
    claimed = db.session.execute(
        sa.update(Job)
        .where(Job.id == job_id, Job.state == JobState.QUEUED)
        .values(state=JobState.RUNNING, started_at=utcnow(), message="Starting…", progress=0)
    )
    if claimed.rowcount != 1:
        return None
    return db.session.get(Job, job_id)


def succeed(job: Job, outcome: Outcome) -> None:
    job.result_type, job.result_id, job.result = outcome.result_type, outcome.result_id, outcome.result
    job.progress = 100
    _finish(job, JobState.SUCCEEDED, outcome.message)


def fail(job: Job, why: str) -> None:
    job.error = why[:1000]
    _finish(job, JobState.FAILED, "Failed: nothing was saved.")


def cancelled(job: Job) -> None:
    _finish(job, JobState.CANCELLED, "Cancelled: nothing was saved.")


def _finish(job: Job, state: JobState, message: str) -> None:
    discard_upload(job)  # read or not, an upload is not kept past its job
    job.state = state
    job.message = message[:200]
    job.finished_at = utcnow()
    db.session.flush()
    record_event(None, f"job.{state.value}", "job", job.id, after={"state": state.value, "error": job.error})


def jobs_of(user: User, limit: int = 20) -> list[Job]:
    """The person's latest jobs, newest first."""
    return list(
        db.session.scalars(sa.select(Job).where(Job.created_by_id == user.id).order_by(Job.id.desc()).limit(limit))
    )
