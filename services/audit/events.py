"""Writing the audit trail: one event per change, in the same transaction as the change."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from models import AuditEvent, User, db

# Columns never copied into the log.
_SECRET_COLUMNS = frozenset({"password_hash", "digest"})


def _json_safe(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def snapshot(record: Any) -> dict[str, Any]:
    """The record's column values, JSON-safe, for the before/after of an event."""
    mapper = sa.inspect(record).mapper
    return {
        column.key: _json_safe(getattr(record, column.key))
        for column in mapper.column_attrs
        if column.key not in _SECRET_COLUMNS
    }


def record_event(
    actor: User | None,
    action: str,
    entity: str,
    entity_id: int | None,
    *,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
) -> AuditEvent:
    event = AuditEvent(
        user_id=actor.id if actor is not None else None,
        action=action,
        entity=entity,
        entity_id=entity_id,
        before=before,
        after=after,
        reason=reason,
    )
    db.session.add(event)
    return event


def history(entity: str, entity_id: int) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.entity == entity, AuditEvent.entity_id == entity_id)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        )
    )
