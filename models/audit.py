"""Audit: an append-only log of every change.

The database refuses UPDATE and DELETE on it: triggers installed by the
first migration (migrations/versions/0001_foundation.py)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from models.base import db, utcnow
from models.organisation import User


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    __table_args__ = (sa.Index("ix_audit_event_entity", "entity", "entity_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user_account.id"))
    action: so.Mapped[str] = so.mapped_column(sa.String(64))
    entity: so.Mapped[str] = so.mapped_column(sa.String(64))
    entity_id: so.Mapped[int | None]
    before: so.Mapped[dict | None] = so.mapped_column(sa.JSON)
    after: so.Mapped[dict | None] = so.mapped_column(sa.JSON)
    reason: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    user: so.Mapped[User | None] = so.relationship()
