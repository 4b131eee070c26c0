"""Running a test's jobs: in this process as a consumer does (`drain`), or with the real consumer,
`flask --app app jobs work`, as a process of its own beside the test's app."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import jobs
from models import Job, db

ROOT = Path(__file__).resolve().parents[1]
STOP_WAIT_S = 90


def drain(app) -> int:
    """Run every task the queue holds, as a consumer would; how many there were. (The test's own
    transaction ends first: on SQLite it would hold the write lock the job needs.)"""
    db.session.commit()
    return consume(app)


def consume(app) -> int:
    """Run every task the queue holds (from any thread: each job makes its own app context)."""
    queue = jobs.queue_of(app)
    count = 0
    while (task := queue.dequeue()) is not None:
        queue.execute(task)
        count += 1
    return count


def job_row(job_id: int) -> Job:
    """The job as it is now in the database."""
    db.session.expire_all()
    return db.session.get(Job, job_id)


def consumer_environment(app) -> dict[str, str]:
    """The environment that points a consumer at the app's database and queue."""
    environment = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "DATABASE_URL")}
    environment.update(
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        JOBS_DATABASE=app.config["JOBS_DATABASE"],
        JOBS_QUEUE=app.config["JOBS_QUEUE"],
        JOBS_EXPORTS=app.config["JOBS_EXPORTS"],
        JOBS_UPLOADS=app.config["JOBS_UPLOADS"],
        SECRET_KEY="consumer-test-key-" + "x" * 32,
    )
    if app.config["REDIS_URL"]:
        environment["REDIS_URL"] = app.config["REDIS_URL"]
    return environment


def start_consumer(app) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "jobs", "work"],
        cwd=ROOT,
        env=consumer_environment(app),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop(consumer: subprocess.Popen) -> str:
    """Ask the consumer to stop as Ctrl-C does; what it printed."""
    consumer.send_signal(signal.SIGINT)
    try:
        output, _ = consumer.communicate(timeout=STOP_WAIT_S)
    except subprocess.TimeoutExpired:
        consumer.kill()
        output, _ = consumer.communicate()
    return output
