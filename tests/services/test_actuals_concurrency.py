"""Two real processes load overlapping extracts at the same moment: each transaction is written once.

Each process opens its own app on the test's database (a SQLite file, or PostgreSQL when
TEST_DATABASE_URL names one), waits at a barrier, then previews and commits its file, previewing
again when its commit is refused as stale (409), as a script would.
"""

from __future__ import annotations

import multiprocessing

import sqlalchemy as sa
from actuals_helpers import extract

from models import db
from models.actuals import ActualTransaction
from models.base import transactions_write_locked

ATTEMPTS = 10


def _row(number: int) -> str:
    return f"C-{number:04d},2026-11-03,DP,2027,21.0,IP,TR-1,{number}.00,0,row {number}"


def _load(database_url: str, content: bytes, barrier, results) -> None:
    """In a child process: preview and commit `content`; put (written, refusals) on `results`.
    It imports the app here, in the child, which spawns with nothing loaded."""
    from conftest import make_config
    from helpers import user

    from app import create_app
    from services.errors import ConflictError
    from services.execution import actuals
    from views.unit_of_work import perform

    app = create_app(make_config(database_url))
    with app.app_context():
        loader = user("rm@example.gov")
        db.session.commit()
        barrier.wait()
        refusals = 0
        for _ in range(ATTEMPTS):
            load = perform(actuals.preview_load, loader, "extract.csv", content)
            try:
                results.put((perform(actuals.commit_load, loader, load), refusals))
                break
            except ConflictError:
                refusals += 1
        else:
            results.put((None, refusals))
        db.engine.dispose()


def test_two_processes_loading_overlapping_extracts_write_each_transaction_once(app, database_url):
    first = extract(*(_row(n) for n in range(1, 301)))
    second = extract(*(_row(n) for n in range(151, 451)))
    with transactions_write_locked(False):
        before = db.session.scalar(sa.select(sa.func.count(ActualTransaction.id)))
        db.session.commit()
        context = multiprocessing.get_context("spawn")
        barrier, results = context.Barrier(2, timeout=120), context.Queue()
        processes = [
            context.Process(target=_load, args=(database_url, content, barrier, results)) for content in (first, second)
        ]
        for process in processes:
            process.start()
        outcomes = [results.get(timeout=300) for _ in processes]
        for process in processes:
            process.join(timeout=60)
            assert process.exitcode == 0
        written = sorted(outcome[0] for outcome in outcomes)
        db.session.expire_all()
        ids = list(
            db.session.scalars(
                sa.select(ActualTransaction.transaction_id).where(ActualTransaction.transaction_id.like("C-%"))
            )
        )
        db.session.rollback()
    assert len(ids) == len(set(ids)) == 450
    assert written == [150, 300], outcomes  # the one committed second wrote only what the first had not
    assert db.session.scalar(sa.select(sa.func.count(ActualTransaction.id))) == before + 450
