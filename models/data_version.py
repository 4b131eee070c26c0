"""The data's version: one row whose token every commit that wrote through the ORM session replaces.

Whole answers of the busiest read pages are kept under this token (views.page_cache). A commit
replaces it in the same transaction as whatever else it writes, so an answer kept under an older
token is never served once the data behind it has changed, on any web server or consumer that
shares the database. The token is random rather than a counter, so a database made again from
nothing (or by another test) can never reuse a token a process still keeps answers under.

A migration renews it too (migrations/env.py), as it may change data. Other writes that bypass
the ORM session (a job's progress, written on a connection of its own) leave it alone: no kept page
shows them.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
import sqlalchemy.orm as so

from models.base import db

THE_ROW = 1


class DataVersion(db.Model):
    __tablename__ = "data_version"

    id: so.Mapped[int] = so.mapped_column(sa.Integer, primary_key=True)
    token: so.Mapped[str] = so.mapped_column(sa.String(32))


_READ_TOKEN = sa.select(DataVersion.token).where(DataVersion.id == THE_ROW)  # built once: read on every kept page


def current_data_version(engine: sa.Engine) -> str | None:
    """The token now: read before anything a kept answer shows, so that answer is at least this new.
    None when it cannot be read (a database not yet migrated, a busy or lost one): nothing is kept then,
    and the page's own reads meet the trouble as they always have.

    On a pooled connection of its own: every read of a kept page runs this, and one answered from
    the store then opens no session at all. It reads what is committed, as the page's own reads
    (outside a transaction on SQLite, read committed on PostgreSQL) do after it.
    """
    try:
        with engine.connect() as connection:
            return connection.execute(_READ_TOKEN).scalar()
    except sa.exc.DBAPIError:
        return None


def renew_data_version(connection: sa.Connection) -> None:
    """Replace the token in the connection's transaction: no page kept before it is served after it.
    A database not yet migrated to 0014 (a migration's own data step) has no token to replace."""
    if sa.inspect(connection).has_table(DataVersion.__tablename__):
        connection.execute(sa.update(DataVersion).where(DataVersion.id == THE_ROW).values(token=secrets.token_hex(16)))


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
    if session.in_nested_transaction():
        return  # a savepoint released: the transaction's own commit replaces it, last
    # Flush first, so the row is the last thing the transaction locks before it commits: on
    # PostgreSQL, transactions queue for it only while they commit and never hold it while
    # waiting for another lock (no deadlock with the appropriations' locks).
    session.flush()
    if session.info.pop(WROTE, False):
        renew_data_version(session.connection())


@sa.event.listens_for(db.session, "after_transaction_end")
def _ended(session: so.Session, transaction: so.SessionTransaction) -> None:
    if transaction.parent is None:  # the whole transaction, not a savepoint rolled back within it
        session.info.pop(WROTE, None)
