"""What pages and the API read of the loaded actuals: loads, transactions, and how documents match.

A transaction's `document_number` names what it obligates: an award's number, or a travel or
staffing request's reference (TR-12, SR-7, shown on the request's page). Transactions naming
neither are unmatched: listed, never dropped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from models import Award, StaffingRequest, TravelRequest, db
from models.actuals import ActualsLoad, ActualTransaction
from services.paging import Page, paginate


@dataclass(frozen=True)
class TransactionFilter:
    appropriation_id: int | None = None
    object_class_id: int | None = None
    division_id: int | None = None
    document_number: str | None = None
    posted_from: dt.date | None = None
    posted_to: dt.date | None = None


def loads(page: int = 1, per_page: int = 50) -> Page[ActualsLoad]:
    """The loads, newest first (who, when, counts)."""
    query = sa.select(ActualsLoad).options(so.joinedload(ActualsLoad.created_by)).order_by(ActualsLoad.id.desc())
    return paginate(query, page, per_page)


def transactions(chosen: TransactionFilter, page: int = 1, per_page: int = 50) -> Page[ActualTransaction]:
    query = sa.select(ActualTransaction)
    for column, value in (
        (ActualTransaction.appropriation_id, chosen.appropriation_id),
        (ActualTransaction.object_class_id, chosen.object_class_id),
        (ActualTransaction.division_id, chosen.division_id),
        (ActualTransaction.document_number, chosen.document_number),
    ):
        if value is not None:
            query = query.where(column == value)
    if chosen.posted_from is not None:
        query = query.where(ActualTransaction.posted_on >= chosen.posted_from)
    if chosen.posted_to is not None:
        query = query.where(ActualTransaction.posted_on <= chosen.posted_to)
    return paginate(query.order_by(ActualTransaction.posted_on, ActualTransaction.id), page, per_page)


@dataclass(frozen=True)
class DocumentActuals:
    """What the financial system posted against one document."""

    document_number: str
    transactions: int = 0
    obligated_cents: int = 0
    expended_cents: int = 0

    @property
    def unliquidated_cents(self) -> int:
        return self.obligated_cents - self.expended_cents


def document_actuals(document_number: str) -> DocumentActuals:
    """The sums of the transactions naming `document_number` (zero when none)."""
    count, obligated, expended = db.session.execute(
        sa.select(
            sa.func.count(ActualTransaction.id),
            sa.func.coalesce(sa.func.sum(ActualTransaction.obligation_cents), 0),
            sa.func.coalesce(sa.func.sum(ActualTransaction.expenditure_cents), 0),
        ).where(ActualTransaction.document_number == document_number)
    ).one()
    return DocumentActuals(document_number, int(count), int(obligated), int(expended))


def documents_actuals(document_numbers: list[str]) -> dict[str, DocumentActuals]:
    """`document_actuals` of many documents in one query (those with nothing posted are left out)."""
    if not document_numbers:
        return {}
    return {
        number: DocumentActuals(number, int(count), int(obligated), int(expended))
        for number, count, obligated, expended in db.session.execute(
            sa.select(
                ActualTransaction.document_number,
                sa.func.count(ActualTransaction.id),
                sa.func.sum(ActualTransaction.obligation_cents),
                sa.func.sum(ActualTransaction.expenditure_cents),
            )
            .where(ActualTransaction.document_number.in_(document_numbers))
            .group_by(ActualTransaction.document_number)
        )
    }


def _matched_documents() -> set[str]:
    numbers = set(db.session.scalars(sa.select(Award.number)))
    for model in (TravelRequest, StaffingRequest):
        numbers |= {f"{model.reference_prefix}-{request_id}" for request_id in db.session.scalars(sa.select(model.id))}
    return numbers


def unmatched_documents() -> list[DocumentActuals]:
    """Document numbers no award or request carries, with their totals, by number."""
    matched = _matched_documents()
    grouped = db.session.execute(
        sa.select(
            ActualTransaction.document_number,
            sa.func.count(ActualTransaction.id),
            sa.func.sum(ActualTransaction.obligation_cents),
            sa.func.sum(ActualTransaction.expenditure_cents),
        )
        .where(ActualTransaction.document_number.is_not(None))
        .group_by(ActualTransaction.document_number)
        .order_by(ActualTransaction.document_number)
    )
    return [
        DocumentActuals(number, int(count), int(obligated or 0), int(expended or 0))
        for number, count, obligated, expended in grouped
        if number not in matched
    ]
