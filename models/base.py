"""The declarative base, the naming convention and the shared `db` handle."""

from __future__ import annotations

import sqlite3
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
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB: aggregates over a large scenario stay in memory
        cursor.execute("PRAGMA mmap_size=268435456")
        cursor.close()


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
