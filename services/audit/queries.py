"""Reading the audit trail."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from models import AuditEvent, User, db
from services.paging import Page, paginate


@dataclass(frozen=True)
class AuditFilter:
    entity: str | None = None
    entity_id: int | None = None
    user_id: int | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None  # before it

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
        if self.until is not None:
            conditions.append(AuditEvent.at < self.until)
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


# What the trail calls its records and what was done to them, where words differ from the codes.
_RECORD_NAMES = {"api_token": "API token", "office_setting": "Office setting", "seed": "Seed"}
_DONE = {
    "create": "created",
    "update": "changed",
    "delete": "deleted",
    "submit": "submitted",
    "approve": "approved",
    "return": "returned",
    "reject": "rejected",
    "cancel": "cancelled",
    "revoke": "revoked",
    "scores": "scored",
    "preview": "previewed",
    "commit": "committed",
    "sign_in": "signed in",
    "sign_out": "signed out",
    "password_change": "password changed",
    "lines_removed": "lines removed",
}


def record_name(entity: str) -> str:
    """ "travel_request" → "Travel request"."""
    return _RECORD_NAMES.get(entity, entity.replace("_", " ").capitalize())


def action_words(action: str) -> str:
    """ "travel_request.submit" → "Travel request submitted"; "seed.demo" → "Demo office seeded"."""
    if action == "seed.demo":
        return "Demo office seeded"
    record, _, verb = action.partition(".")
    return f"{record_name(record)} {_DONE.get(verb, verb.replace('_', ' '))}".strip()


def people() -> list[tuple[int, str]]:
    """Everyone who has done something on the trail, by name: (id, name)."""
    return list(
        db.session.execute(
            sa.select(User.id, User.name).where(User.id.in_(sa.select(AuditEvent.user_id))).order_by(User.name)
        ).tuples()
    )
