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
    # Migration 0009: the edges of a range of dates that is not whole months (ActualMonthSum) are
    # summed along the first index alone; what was posted against awards, from the award's number,
    # along the second (a few rows an award, not a scan of the appropriation's transactions).
    __table_args__ = (
        sa.Index(
            "ix_actual_transaction_appropriation_posted_amounts",
            "appropriation_id",
            "posted_on",
            "obligation_cents",
            "expenditure_cents",
        ),
        sa.Index(
            "ix_actual_transaction_document_amounts",
            "document_number",
            "appropriation_id",
            "posted_on",
            "division_id",
            "object_class_id",
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
    document_number: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    obligation_cents: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    expenditure_cents: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    description: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    load_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("actuals_load.id"), index=True)
    source_row: so.Mapped[int]  # the row of the extract it came from (1 is the header)

    appropriation: so.Mapped[Appropriation] = so.relationship()
    object_class: so.Mapped[ObjectClass] = so.relationship()
    division: so.Mapped[Division | None] = so.relationship()
    load: so.Mapped[ActualsLoad] = so.relationship()


class ActualMonthSum(db.Model):
    """An appropriation's transactions summed by month, division and object class.

    Kept by triggers on actual_transaction (migration 0009), so every write of a transaction (a
    load's commit, a script's insert) moves its month's sum in the same transaction. The execution
    figures read whole months here instead of every transaction: an appropriation with 200,000
    transactions has a few dozen sums (services/execution/posted.py).
    """

    __tablename__ = "actual_month_sum"

    appropriation_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("appropriation.id"), primary_key=True)
    month: so.Mapped[date] = so.mapped_column(primary_key=True)  # its first day
    division_key: so.Mapped[int] = so.mapped_column(primary_key=True)  # the division's id; 0: office-wide
    object_class_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("object_class.id"), primary_key=True)
    obligation_cents: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    expenditure_cents: so.Mapped[int] = so.mapped_column(sa.BigInteger)
