"""The notification package's figures: what the committees receive of a reprogramming."""

from __future__ import annotations

import datetime as dt

from exports.notification import NotificationPackage, PackageRow
from models import Reprogramming
from services.office.settings import office_settings
from services.reprogramming.drafts import reasons_of
from services.reprogramming.groups import group_label
from services.reprogramming.law import day


def notification_package(record: Reprogramming) -> NotificationPackage:
    """Each move's from program (its base, less the amount) and to program (its base, plus it)."""
    return NotificationPackage(
        reference=f"Reprogramming {record.id}",
        appropriation=record.appropriation.label,
        scenario=record.scenario.name,
        kind=record.kind.label,
        citation=office_settings().reprogramming_citation,
        justification=record.justification,
        reasons=tuple(reasons_of(record)),
        from_rows=tuple(
            PackageRow(group_label(move.from_group), move.from_base_cents, -move.amount_cents) for move in record.moves
        ),
        to_rows=tuple(
            PackageRow(group_label(move.to_group), move.to_base_cents, move.amount_cents) for move in record.moves
        ),
        prepared_on=day(dt.date.today()),
    )
