"""The data's version: one row whose token every commit that wrote through the ORM session replaces.

Whole answers of the busiest read pages are kept under this token (views.page_cache). A commit
replaces it in the same transaction as whatever else it writes, so an answer kept under an older
token is never served once the data behind it has changed, on any web server or consumer that
shares the database. The token is random rather than a counter, so a database made again from
nothing (or by another test) can never reuse a token a process still keeps answers under.

Writes that bypass the ORM session (a job's progress, written on a connection of its own; a
migration) leave the token alone: no kept page shows them, and a migration restarts the servers.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
import sqlalchemy.orm as so

from models.base import db

THE_ROW = 1
SELECT_VERSION = "SELECT token FROM data_version WHERE id = 1"  # THE_ROW's, in the driver's own SQL


class DataVersion(db.Model):
    __tablename__ = "data_version"

    id: so.Mapped[int] = so.mapped_column(sa.Integer, primary_key=True)
    token: so.Mapped[str] = so.mapped_column(sa.String(32))


def current_data_version(engine: sa.Engine) -> str | None:
    """The token now: read before anything a kept answer shows, so that answer is at least this new.

    On a pooled connection of its own and through the driver alone: every read of a kept page runs
    this, and one answered from the store then opens no session at all. It reads what is committed,
    as the page's own reads (outside a transaction on SQLite, read committed on PostgreSQL) do after it.
    """
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(SELECT_VERSION)
        row = cursor.fetchone()
        cursor.close()
    finally:
        connection.close()  # back to the pool, which ends the driver's transaction if it began one
    return row[0] if row else None


# Whether the session's transaction wrote: a flush that did work, or a statement other than a
# SELECT run through the session (bulk DML, SQL text). A commit without either keeps the token.
WROTE = "data_version.wrote"


@sa.event.listens_for(db.session, "after_flush")
def _flushed(session: so.Session, _context) -> None:
    session.info[WROTE] = True


@sa.event.listens_for(db.session, "do_orm_execute")
def _executed(state: so.ORMExecuteState) -> None:
    if not state.is_select:
        state.session.info[WROTE] = True


@sa.event.listens_for(db.session, "before_commit")
def _replace_token(session: so.Session) -> None:
    # Flush first, so the row is the last thing the transaction locks before it commits: on
    # PostgreSQL, transactions queue for it only while they commit and never hold it while
    # waiting for another lock (no deadlock with the appropriations' locks).
    session.flush()
    if not session.info.pop(WROTE, False):
        return
    if not sa.inspect(session.connection()).has_table(DataVersion.__tablename__):
        return  # a database not yet migrated to 0014 (a migration's own data step): nothing is kept for it
    token = secrets.token_hex(16)
    replaced = session.execute(sa.update(DataVersion).where(DataVersion.id == THE_ROW).values(token=token))
    if replaced.rowcount == 0:  # a database whose migration did not make the row
        session.add(DataVersion(id=THE_ROW, token=token))
        session.flush()
    session.info.pop(WROTE, None)  # set again by the statement above


@sa.event.listens_for(db.session, "after_rollback")
def _rolled_back(session: so.Session) -> None:
    session.info.pop(WROTE, None)
