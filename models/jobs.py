"""Background jobs: long work (an allocation sweep, a large export, ...) run by a queue consumer.

The row is the job's state as people and scripts see it; the queue (Huey: SQLite by default,
Redis when configured) only carries the job's id. The result stays where such results always
live (an allocation run, an import preview) and the job points at it: `result_type` and
`result_id`, or, for what has no record of its own (a sweep's curves, a workbook file), `result`.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from models.base import db, enum_type, utcnow
from models.organisation import User


class JobKind(enum.StrEnum):
    ALLOCATION_RUN = "allocation_run"
    ALLOCATION_SWEEP = "allocation_sweep"
    SELECTION_RUN = "selection_run"
    WORKBOOK_EXPORT = "workbook_export"
    WORKBOOK_IMPORT = "workbook_import"
    ACTUALS_LOAD = "actuals_load"

    @property
    def label(self) -> str:
        return {
            "allocation_run": "Allocation run",
            "allocation_sweep": "Sensitivity sweep",
            "selection_run": "Proposal selection",
            "workbook_export": "Submission workbook",
            "workbook_import": "Workbook import",
            "actuals_load": "Actuals load",
        }[self.value]


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_finished(self) -> bool:
        return self in (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED)

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Job(db.Model):
    __tablename__ = "job"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[JobKind] = so.mapped_column(enum_type(JobKind))
    state: so.Mapped[JobState] = so.mapped_column(enum_type(JobState), default=JobState.QUEUED, index=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))  # what it is, in words: "Sweep of ESF FY2027"
    params: so.Mapped[dict] = so.mapped_column(sa.JSON)  # the runner's input, as JSON
    progress: so.Mapped[int] = so.mapped_column(default=0)  # 0–100
    message: so.Mapped[str] = so.mapped_column(sa.String(200), default="Waiting for a worker.")
    cancel_requested: so.Mapped[bool] = so.mapped_column(default=False)
    error: so.Mapped[str | None] = so.mapped_column(sa.String(1000))
    result_type: so.Mapped[str | None] = so.mapped_column(sa.String(40))  # "allocation_run", ...
    result_id: so.Mapped[int | None]
    result: so.Mapped[dict | None] = so.mapped_column(sa.JSON)
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user_account.id"), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    started_at: so.Mapped[datetime | None]
    finished_at: so.Mapped[datetime | None]

    created_by: so.Mapped[User] = so.relationship()
