"""The declarative base, the naming convention and the shared `db` handle."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar, Token
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm.attributes import flag_modified

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(so.DeclarativeBase):
    # Money columns are BigInteger cents (SQLite's INTEGER is 64-bit already,
    # and keeping it INTEGER there keeps primary keys auto-incrementing).
    registry = so.registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={int: sa.BigInteger().with_variant(sa.Integer(), "sqlite")},
    )


db = SQLAlchemy(model_class=Base)


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@sa.event.listens_for(sa.engine.Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _connection_record) -> None:
    """SQLite: enforce foreign keys, write-ahead log for concurrent readers, wait on locks."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")  # writers queue behind each other's short transactions
        cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB: aggregates over a large scenario stay in memory
        cursor.execute("PRAGMA mmap_size=268435456")
        cursor.close()


BULK_CACHE_KIB = 8192


@contextmanager
def small_page_cache(session: so.Session, kib: int = BULK_CACHE_KIB) -> Iterator[None]:
    """SQLite: a small page cache on the session's connection while one transaction reads or writes much.

    The 64 MiB cache that keeps a large scenario's aggregates in memory would otherwise fill with
    the pages of a 200,000-row actuals load (and of its stored file, which SQLite copies whole when
    the load's row is updated), on top of the rows in Python: issue 14 wants the load under 300 MB.
    Dirty pages beyond the cache spill to the write-ahead log; memory-mapped reads (whose pages count
    in the process's memory too) are off meanwhile. Both are set back afterwards; on other databases
    this does nothing.
    """
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    cache = int(session.execute(sa.text("PRAGMA cache_size")).scalar_one())
    mapped = int(session.execute(sa.text("PRAGMA mmap_size")).scalar_one())
    session.execute(sa.text(f"PRAGMA cache_size={-int(kib)}"))
    session.execute(sa.text("PRAGMA mmap_size=0"))  # the file's pages read through the small cache
    try:
        yield
    finally:
        with suppress(sa.exc.SQLAlchemyError):  # a failed transaction: keep its error; the pool connection
            session.execute(sa.text(f"PRAGMA cache_size={cache}"))  # then keeps the small cache, still correct
            session.execute(sa.text(f"PRAGMA mmap_size={mapped}"))


# Whether transactions begun in this context take SQLite's write lock before their first read.
# Claims on an appropriation read the totals and then write: two processes that read before either
# writes would both see the same "available". So a unit of work that may write begins with
# BEGIN IMMEDIATE, which makes SQLite writers wait for each other from their first statement.
# Pages that only read (and long computations that write one record at the end) set this off:
# their reads then run outside a transaction and the driver takes the lock at the first write.
_write_locked_transactions: ContextVar[bool] = ContextVar("write_locked_transactions", default=True)


def lock_transactions_at_begin(locked: bool) -> Token[bool]:
    """From now on in this context, new transactions on SQLite take the write lock at BEGIN (or not)."""
    return _write_locked_transactions.set(locked)


def restore_transaction_locking(token: Token[bool]) -> None:
    _write_locked_transactions.reset(token)


@contextmanager
def transactions_write_locked(locked: bool) -> Iterator[None]:
    token = lock_transactions_at_begin(locked)
    try:
        yield
    finally:
        restore_transaction_locking(token)


@sa.event.listens_for(sa.engine.Engine, "begin")
def _sqlite_begin(connection: sa.Connection) -> None:
    dbapi_connection = connection.connection.dbapi_connection
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    locked = _write_locked_transactions.get()
    connection.info["write_locked"] = locked
    if locked:
        # The driver must not begin on its own: we emit BEGIN IMMEDIATE ourselves.
        dbapi_connection.isolation_level = None
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        # The driver's own mode: reads outside a transaction, BEGIN IMMEDIATE before the first write.
        dbapi_connection.isolation_level = "IMMEDIATE"


def holds_write_lock(connection: sa.Connection) -> bool:
    """Whether this connection's transaction serialises claims: SQLite's write lock taken at
    BEGIN; on other databases the caller locks rows (SELECT ... FOR UPDATE)."""
    return connection.dialect.name != "sqlite" or connection.info.get("write_locked", False)


def enum_type(enum_class: type) -> sa.Enum:
    """Store an enum by its value ("plan"), as a checked string on every database."""
    return sa.Enum(
        enum_class,
        native_enum=False,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
        create_constraint=True,
    )


def touch(record: object) -> None:
    """Make the next flush UPDATE the record's own row, so that its version moves (and a stale
    copy is refused) even when only the rows that belong to it changed: a schedule, rules, scores.

    Flagging the version column itself does not work: SQLAlchemy then needs its new value."""
    mapper = sa.inspect(record).mapper
    column = next(
        attr.key
        for attr in mapper.column_attrs
        if not attr.columns[0].primary_key and attr.columns[0] is not mapper.version_id_col
    )
    flag_modified(record, column)


def claim(record, sources: Collection, **values) -> bool:
    """The conditional UPDATE of a versioned record's state: of several people acting on it at once, one
    finds it still in one of `sources` at the version they read, and sets `values` (a new `status`, ...)
    with the next version. True for that one (the fields set are read again when next used); False for the
    others, whose copy is then read again whole, so that their refusal can say what the record is now."""
    model = type(record)
    result = db.session.execute(
        sa.update(model)
        .where(model.id == record.id, model.status.in_(sources), model.version == record.version)
        .values(version=model.version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.expire(record)
        return False
    db.session.expire(record, ["version", *values])
    return True
