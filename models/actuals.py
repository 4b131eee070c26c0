"""Actuals: what the financial system posted (obligations and expenditures), loaded from its extract.

One `ActualsLoad` is one uploaded extract (contracts/execution.md, `actuals-extract/1`): a preview,
then a commit that writes its new rows as `ActualTransaction`s. A transaction is the financial
system's, keyed by its `transaction_id`; it is never edited (a correction is a new transaction).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from models.base import db, enum_type, utcnow
from models.funds import Appropriation
from models.organisation import Division, User
from models.reference import ObjectClass


class LoadStatus(enum.StrEnum):
    PREVIEW = "preview"
    COMMITTED = "committed"


class ActualsLoad(db.Model):
    __tablename__ = "actuals_load"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    filename: so.Mapped[str] = so.mapped_column(sa.String(255))
    file_sha256: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    content: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary, deferred=True)  # read again at commit
    # The last committed load when this one was previewed: a commit after another refuses (stale).
    after_load_id: so.Mapped[int | None]
    preview: so.Mapped[dict] = so.mapped_column(sa.JSON)  # counts, errors, warnings, unknown columns
    status: so.Mapped[LoadStatus] = so.mapped_column(enum_type(LoadStatus), default=LoadStatus.PREVIEW)
    written: so.Mapped[int] = so.mapped_column(default=0)
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user_account.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    committed_at: so.Mapped[datetime | None]

    created_by: so.Mapped[User] = so.relationship()

    @property
    def is_clean(self) -> bool:
        return not self.preview.get("errors")


class ActualTransaction(db.Model):
    __tablename__ = "actual_transaction"
    # The execution figures read only these indexes (migration 0009): the sums by day and over a
    # window of dates along the first; the breakdown's sums by division, object class and document,
    # in that order (no sort), along the second.
    __table_args__ = (
        sa.Index(
            "ix_actual_transaction_appropriation_posted_amounts",
            "appropriation_id",
            "posted_on",
            "obligation_cents",
            "expenditure_cents",
        ),
        sa.Index(
            "ix_actual_transaction_appropriation_breakdown",
            "appropriation_id",
            "division_id",
            "object_class_id",
            "document_number",
            "posted_on",
            "obligation_cents",
            "expenditure_cents",
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    transaction_id: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    posted_on: so.Mapped[date]
    appropriation_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("appropriation.id"))
    object_class_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("object_class.id"))
    division_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("division.id"), index=True)
    document_number: so.Mapped[str | None] = so.mapped_column(sa.String(64), index=True)
    obligation_cents: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    expenditure_cents: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    description: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    load_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("actuals_load.id"), index=True)
    source_row: so.Mapped[int]  # the row of the extract it came from (1 is the header)

    appropriation: so.Mapped[Appropriation] = so.relationship()
    object_class: so.Mapped[ObjectClass] = so.relationship()
    division: so.Mapped[Division | None] = so.relationship()
    load: so.Mapped[ActualsLoad] = so.relationship()
