"""Office settings: what an administrator sets once for the whole office, with defaults.

Declared once (`OfficeSettings`): the settings page's form is derived from it. Each setting is a
row of `office_setting` (key → text); a setting never saved has its default (funds control's comes
from the configuration, so a deployment can choose it).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app

from models import FundsControl, OfficeSetting, User, db
from money import from_cents, to_cents
from services import inputs
from services.audit.events import record_event
from services.errors import ConflictError


class NoticeThreshold(enum.StrEnum):
    """How the amount and the percent of a reprogramming's notice threshold combine."""

    LESSER = "lesser"
    GREATER = "greater"

    @property
    def label(self) -> str:
        return {"lesser": "Whichever is less", "greater": "Whichever is greater"}[self.value]


@dataclass(frozen=True)
class OfficeSettings:
    funds_control: FundsControl = inputs.choice(
        "When a change would overdraw an appropriation",
        FundsControl,
        default=FundsControl.REFUSE,
        help="The Antideficiency Act forbids obligating more than is available; most offices refuse.",
    )
    variance_threshold_percent: Decimal = inputs.decimal(
        "Highlight plan against actual beyond (percent of plan)",
        minimum=Decimal(0),
        maximum=Decimal(1000),
        places=1,
        default=Decimal(10),
        help="A month (or a division, object class, region or priority) whose obligations differ from "
        "the spend plan by more than this share of it is highlighted on the execution pages.",
    )
    lapse_threshold: Decimal = inputs.money(
        "Flag funds forecast to lapse above (dollars)",
        minimum=Decimal(0),
        default=Decimal(500_000),
        help="Funds expiring this fiscal year whose unobligated balance at expiry, at the pace of the "
        "last three months, is forecast above this are flagged on the dashboard.",
    )
    pipeline_months_threshold: Decimal = inputs.decimal(
        "Flag awards whose pipeline is longer than (months of recent spending)",
        minimum=Decimal(1),
        maximum=Decimal(120),
        places=1,
        default=Decimal(12),
        help="Unliquidated obligations divided by the average monthly expenditure of the last three "
        "months. Forward-funding guidance is commonly 12 months.",
    )

    # The law on reprogramming as data (22 U.S.C. 2706 by default), so another bureau's act is a setting.
    reprogramming_citation: str = inputs.text(
        "Reprogramming notice: the law",
        max_length=200,
        required=False,
        default="22 U.S.C. 2706",
        help="Quoted where a notification is said to be needed, and on the notification package.",
    )
    reprogramming_notice_amount: Decimal = inputs.money(
        "Notify a move of more than (dollars)",
        minimum=Decimal(0),
        default=Decimal(1_000_000),
        help="A move that augments a program by more than this needs a notification (with the percent below).",
    )
    reprogramming_notice_percent: Decimal = inputs.decimal(
        "... or more than (percent of the program's base)",
        minimum=Decimal(0),
        maximum=Decimal(100),
        places=1,
        default=Decimal(10),
        help="Also the share of its base whose reduction (this much or more) needs a notification.",
    )
    reprogramming_notice_threshold: NoticeThreshold = inputs.choice(
        "Of the amount and the percent, notify above",
        NoticeThreshold,
        default=NoticeThreshold.LESSER,
        help="22 U.S.C. 2706: $1,000,000 or 10 percent, whichever is less.",
    )
    reprogramming_hold_days: int = inputs.integer(
        "Days a notification is held before the money may be obligated",
        minimum=0,
        maximum=365,
        default=15,
    )
    reprogramming_last_days: int = inputs.integer(
        "Last days of the funds' availability in which no notified reprogramming may happen unless notified "
        "before them",
        minimum=0,
        maximum=365,
        default=15,
    )
    reprogramming_waiver: bool = inputs.boolean(
        "Notice may be waived (with a reason) where failing to act risks human health or welfare",
        default=True,
    )

    @property
    def lapse_threshold_cents(self) -> int:
        return to_cents(self.lapse_threshold)


def _stored(spec: inputs.Spec, value) -> str:
    """A setting as its row keeps it: money in cents, a choice by its value, a decimal as written."""
    if spec.kind == inputs.Kind.MONEY:
        return str(to_cents(value))
    if spec.kind == inputs.Kind.CHOICE:
        return value.value
    if spec.kind == inputs.Kind.BOOLEAN:
        return "true" if value else "false"
    return str(value)


def _loaded(spec: inputs.Spec, text: str):
    if spec.kind == inputs.Kind.MONEY:
        return from_cents(int(text))
    if spec.kind == inputs.Kind.CHOICE:
        return spec.choices(text)
    if spec.kind == inputs.Kind.INTEGER:
        return int(text)
    if spec.kind == inputs.Kind.BOOLEAN:
        return text == "true"
    if spec.kind == inputs.Kind.TEXT:
        return text
    return Decimal(text)


def office_settings() -> OfficeSettings:
    """The settings in force: those saved, the defaults for the rest."""
    saved = {row.key: row.value for row in db.session.query(OfficeSetting)}
    values = {"funds_control": FundsControl(current_app.config["FUNDS_CONTROL"])}
    for name, spec in inputs.specs(OfficeSettings).items():
        if name in saved:
            values[name] = _loaded(spec, saved[name])
    return replace(OfficeSettings(), **values)


def save_office_settings(actor: User, new: OfficeSettings) -> None:
    """Save the settings that changed, with one audit event naming them before and after."""
    old = office_settings()
    before, after = {}, {}
    for name, spec in inputs.specs(OfficeSettings).items():
        was, now = getattr(old, name), getattr(new, name)
        if was == now:
            continue
        before[name], after[name] = _stored(spec, was), _stored(spec, now)
        row = db.session.get(OfficeSetting, name)
        if row is None:
            db.session.add(OfficeSetting(key=name, value=after[name]))
        else:
            row.value = after[name]
    try:
        db.session.flush()
    except sa.exc.IntegrityError as exc:  # another administrator saved a first value meanwhile
        raise ConflictError("Another administrator saved the settings meanwhile; nothing was saved.") from exc
    if after:
        record_event(
            actor, "setting.update", "office_setting", None, before=before, after=after, reason=", ".join(after)
        )
    db.session.flush()


def funds_control() -> FundsControl:
    return office_settings().funds_control


def set_funds_control(actor: User, control: FundsControl) -> None:
    save_office_settings(actor, replace(office_settings(), funds_control=control))
