"""A large upload's job reports how far its reading has come, and stops there when it is cancelled.

The reading reports every 5,000 rows the share of the file parsed; the job's bar shows it between
5% and 80%, then the comparison at 80%. What the runner is handed is a plain function that keeps
what it is told, as the job's reporter is (services.jobs.lifecycle.Progress).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from actuals_helpers import extract
from helpers import own_export, plan_scenario, user

from models import ActualsLoad, ImportBatch, db
from seeding.loaders import load_scale_lines
from services.execution.actuals import preview_load
from services.jobs.lifecycle import JobCancelled
from services.scenarios.imports import preview_import


class Told:
    """Keeps what a job's progress was told; raises JobCancelled at call `stop_at`, as a cancelled job's does."""

    def __init__(self, stop_at: int | None = None) -> None:
        self.calls: list[tuple[int, str]] = []
        self.stop_at = stop_at

    def __call__(self, percent: int, message: str) -> None:
        self.calls.append((percent, message))
        if self.stop_at is not None and len(self.calls) == self.stop_at:
            raise JobCancelled


def reading(told: Told, doing: str) -> list[int]:
    return [percent for percent, message in told.calls if message.startswith(doing)]


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count(model.id)))


@pytest.fixture
def large_plan_workbook(app) -> bytes:
    plan = plan_scenario()
    load_scale_lines(plan.id, 12_000)
    db.session.commit()
    return own_export(plan)


def test_reading_a_large_workbook_moves_the_bar_between_5_and_80(app, large_plan_workbook):
    told = Told()
    preview_import(user("rm@example.gov"), plan_scenario(), "big.xlsx", large_plan_workbook, told)
    steps = reading(told, "Reading the workbook")
    assert steps[0] == 5
    assert len(steps) >= 3  # the start, and at 5,000 and 10,000 rows
    assert steps == sorted(steps)
    assert 5 < steps[-1] <= 80
    assert told.calls[len(steps)][0] == 80
    assert told.calls[len(steps)][1].startswith("Comparing ")
    assert told.calls[-1] == (90, "Saving the preview")


def test_a_workbook_job_cancelled_while_reading_stops_there_and_keeps_nothing(app, large_plan_workbook):
    batches_before = count(ImportBatch)
    told = Told(stop_at=2)  # the first report from inside the reading
    with pytest.raises(JobCancelled):  # the job's own cancellation, not "the file is unreadable"
        preview_import(user("rm@example.gov"), plan_scenario(), "big.xlsx", large_plan_workbook, told)
    db.session.rollback()
    assert len(told.calls) == 2
    assert count(ImportBatch) == batches_before


def _large_extract(rows: int) -> bytes:
    lines = [f"FS-{n:06d},2026-11-03,DP,2027,21.0,IP,TR-{n},10.00,0,Trip {n}" for n in range(1, rows + 1)]
    return extract(*lines)


def test_reading_a_large_extract_moves_the_bar_and_a_cancel_stops_it(app):
    content = _large_extract(12_000)
    told = Told()
    preview_load(user("rm@example.gov"), "extract.csv", content, told)
    steps = reading(told, "Reading the extract")
    assert steps[0] == 5
    assert len(steps) >= 3
    assert steps == sorted(steps)
    assert 5 < steps[-1] <= 80
    assert told.calls[len(steps)] == (80, "Checking 12,000 rows against the office's records")
    db.session.rollback()

    loads_before = count(ActualsLoad)
    stopped = Told(stop_at=2)
    with pytest.raises(JobCancelled):
        preview_load(user("rm@example.gov"), "extract.csv", content, stopped)
    db.session.rollback()
    assert len(stopped.calls) == 2
    assert count(ActualsLoad) == loads_before
