"""The data's version: which commits replace it, so that a kept page is computed again after them."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade
from helpers import plan_scenario

from models import BudgetLine, DataVersion, current_data_version, db


def version_now() -> str:
    """As a web request reads it: committed, on a connection of its own."""
    return current_data_version(db.engine)


def first_line() -> BudgetLine:
    return db.session.scalar(sa.select(BudgetLine).where(BudgetLine.scenario_id == plan_scenario().id).limit(1))


def test_a_commit_that_wrote_replaces_it_and_one_that_only_read_keeps_it(app):
    db.session.commit()
    before = version_now()
    first_line()
    db.session.commit()
    assert version_now() == before
    first_line().description = "Changed"
    db.session.commit()
    assert version_now() != before


def test_a_savepoint_rolled_back_inside_a_writing_transaction_still_replaces_it_at_commit(app):
    db.session.commit()
    before = version_now()
    first_line().description = "Kept"
    db.session.flush()
    with db.session.begin_nested() as savepoint:
        first_line().amount_cents += 100
        db.session.flush()
        savepoint.rollback()
    db.session.commit()
    assert version_now() != before


def test_a_savepoint_released_leaves_the_replacing_to_the_transactions_own_commit(app):
    db.session.commit()
    before = db.session.scalar(sa.select(DataVersion.token))
    with db.session.begin_nested():
        first_line().description = "In a savepoint"
    assert db.session.scalar(sa.select(DataVersion.token)) == before  # not replaced mid-transaction
    db.session.commit()
    assert version_now() != before


def test_a_migration_replaces_it_for_data_it_may_have_changed_by_hand(app):
    line_id = first_line().id
    db.session.commit()
    before = version_now()
    with db.engine.begin() as connection:  # as a migration's data step or a fix in psql: no ORM session
        connection.execute(sa.update(BudgetLine).where(BudgetLine.id == line_id).values(description="By hand"))
    assert version_now() == before
    upgrade(directory=str(Path(app.root_path) / "migrations"))  # already at the head: it renews only
    assert version_now() != before
