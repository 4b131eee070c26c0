"""The job queue: long work off the web request.

Huey carries a job's id from the web server to a consumer (`flask --app app jobs work`),
which runs it with `jobs.worker.perform`. The store is a SQLite file by default
(`JOBS_DATABASE`: nothing to install, one machine) or Redis when `REDIS_URL` is set (any
number of web servers and consumers). The job itself — its state, progress and result —
is a row of the application's database (`models.Job`), so a web server can restart, or
another one answer, while the job runs.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, current_app
from huey import Huey, RedisHuey, SqliteHuey

from jobs.worker import perform
from models import Job, JobState, db

TASK_NAME = "apportion.perform_job"


def make_queue(app: Flask) -> Huey:
    """The app's Huey, with the one task it runs: perform a job, in an app context of its own."""
    if app.config["REDIS_URL"]:
        queue: Huey = RedisHuey(app.config["JOBS_QUEUE"], url=app.config["REDIS_URL"], results=False)
    else:
        path = Path(app.config["JOBS_DATABASE"])
        path.parent.mkdir(parents=True, exist_ok=True)
        queue = SqliteHuey(app.config["JOBS_QUEUE"], filename=str(path), results=False)

    @queue.task(name=TASK_NAME)
    def perform_job(job_id: int) -> None:
        with app.app_context():
            perform(job_id)

    app.extensions["jobs.perform"] = perform_job
    return queue


def init_app(app: Flask) -> None:
    app.extensions["jobs"] = make_queue(app)


def queue_of(app: Flask) -> Huey:
    return app.extensions["jobs"]


def enqueue(job_id: int) -> None:
    """Hand a committed job to the consumers."""
    current_app.extensions["jobs.perform"](job_id)


def requeue_waiting() -> int:
    """Hand every queued job to the queue again (a consumer starting): one whose web request ended
    between its commit and its hand-over still runs. Claiming makes a job run once however often
    it is queued."""
    waiting = list(db.session.scalars(sa.select(Job.id).where(Job.state == JobState.QUEUED).order_by(Job.id)))
    db.session.remove()  # no transaction held while consuming (SQLite's lock)
    for job_id in waiting:
        enqueue(job_id)
    return len(waiting)


def describe(app: Flask) -> str:
    """Where the queue is, for people: never the password of a Redis URL."""
    if app.config["REDIS_URL"]:
        url = urlsplit(app.config["REDIS_URL"])
        return f"Redis at {url.hostname}:{url.port or 6379}"
    return f"the SQLite file {app.config['JOBS_DATABASE']}"
