"""Running one job: the jobs' unit of work, as views/unit_of_work.py is the requests'.

`perform` claims the job (so it runs once however often it was queued), runs its kind's runner
with a `Progress` that reports on a connection of its own, then commits the runner's writes and
the job's success together: a job that fails or is cancelled rolls back everything it wrote
and says why, so nothing is ever half-written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import sqlalchemy as sa

from models import Job, JobKind, User, db
from models.base import transactions_write_locked
from services.allocation.jobs import run_allocation_job, run_sweep_job
from services.errors import DomainError
from services.execution.actuals_jobs import run_load_job
from services.jobs import lifecycle
from services.jobs.lifecycle import JobCancelled, Outcome, Progress
from services.programs.selection_jobs import run_selection_job
from services.scenarios.export_jobs import run_export_job
from services.scenarios.import_jobs import run_import_job

log = logging.getLogger(__name__)

Runner = Callable[[User, dict, Progress], Outcome]
RUNNERS: dict[JobKind, Runner] = {
    JobKind.ALLOCATION_SWEEP: run_sweep_job,
    JobKind.ALLOCATION_RUN: run_allocation_job,
    JobKind.SELECTION_RUN: run_selection_job,
    JobKind.WORKBOOK_EXPORT: run_export_job,
    JobKind.WORKBOOK_IMPORT: run_import_job,
    JobKind.ACTUALS_LOAD: run_load_job,
}


def reporter(job_id: int) -> Progress:
    """Progress written and committed on a connection of its own, so the job's page moves while the
    job's own transaction (which only writes at its end) stays open; it also reads a cancellation."""

    def report(percent: int, message: str) -> None:
        with db.engine.connect() as connection:
            try:
                with connection.begin():
                    connection.execute(
                        sa.update(Job)
                        .where(Job.id == job_id)
                        .values(progress=max(0, min(int(percent), 99)), message=message[:200])
                    )
            except sa.exc.OperationalError:  # another writer held the lock past its wait (a large commit):
                log.warning("Job %s: progress %s%% not recorded", job_id, percent)  # the bar skips a step
            stop = connection.execute(sa.select(Job.cancel_requested).where(Job.id == job_id)).scalar_one()
        if stop:
            raise JobCancelled

    return report


def perform(job_id: int) -> None:
    """Run the job `job_id` if it is still queued; commit its result, or roll back and record why not."""
    job = lifecycle.claim_job(job_id)
    actor, kind, params = (job.created_by, job.kind, dict(job.params)) if job is not None else (None, None, None)
    db.session.commit()
    if job is None:
        return
    # As a @reads_until_write route: reads hold no lock, so the progress can be written meanwhile;
    # SQLite's write lock is taken at the runner's first write, at its end. (No runner claims funds.)
    with transactions_write_locked(False):
        try:
            outcome = RUNNERS[kind](actor, params, reporter(job_id))
            lifecycle.succeed(db.session.get(Job, job_id), outcome)
        except JobCancelled:
            db.session.rollback()
            lifecycle.cancelled(db.session.get(Job, job_id))
        except DomainError as error:
            db.session.rollback()
            lifecycle.fail(db.session.get(Job, job_id), error.message)
        except Exception as error:  # the job says it failed; the log keeps the traceback
            log.exception("Job %s (%s) failed", job_id, kind.value)
            db.session.rollback()
            lifecycle.fail(db.session.get(Job, job_id), f"An unexpected error stopped it ({type(error).__name__}).")
        db.session.commit()
