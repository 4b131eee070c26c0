"""Imports: an uploaded budget workbook, its preview, and whether it was committed."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from models.base import db, enum_type, utcnow
from models.budget import Scenario
from models.organisation import User


class ImportStatus(enum.StrEnum):
    PREVIEW = "preview"
    COMMITTED = "committed"


class ImportBatch(db.Model):
    __tablename__ = "import_batch"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    scenario_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("scenario.id", ondelete="CASCADE"), index=True)
    filename: so.Mapped[str] = so.mapped_column(sa.String(255))
    file_sha256: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    # What the scenario looked like when previewed: the commit refuses if it changed since.
    fingerprint: so.Mapped[str] = so.mapped_column(sa.String(64))
    preview: so.Mapped[dict] = so.mapped_column(sa.JSON)
    status: so.Mapped[ImportStatus] = so.mapped_column(enum_type(ImportStatus), default=ImportStatus.PREVIEW)
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user_account.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    committed_at: so.Mapped[datetime | None]

    scenario: so.Mapped[Scenario] = so.relationship()
    created_by: so.Mapped[User] = so.relationship()

    @property
    def is_clean(self) -> bool:
        return not self.preview.get("errors")

    @property
    def change_count(self) -> int:
        return sum(len(self.preview.get(part, [])) for part in ("added", "changed", "removed"))
