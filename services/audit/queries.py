"""Reading the audit trail."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from models import AuditEvent, db
from services.paging import Page, paginate


@dataclass(frozen=True)
class AuditFilter:
    entity: str | None = None
    entity_id: int | None = None
    user_id: int | None = None
    since: dt.datetime | None = None

    def conditions(self) -> list:
        conditions = []
        if self.entity:
            conditions.append(AuditEvent.entity == self.entity)
        if self.entity_id is not None:
            conditions.append(AuditEvent.entity_id == self.entity_id)
        if self.user_id is not None:
            conditions.append(AuditEvent.user_id == self.user_id)
        if self.since is not None:
            conditions.append(AuditEvent.at >= self.since)
        return conditions


def list_events(audit_filter: AuditFilter, page: int, per_page: int) -> Page[AuditEvent]:
    query = (
        sa.select(AuditEvent)
        .where(*audit_filter.conditions())
        .options(so.joinedload(AuditEvent.user))
        .order_by(AuditEvent.id.desc())
    )
    return paginate(query, page, per_page)


def entities() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.entity).distinct().order_by(AuditEvent.entity)))
