"""When a reprogramming needs the committees' notice, and when its money may be obligated.

The law is the office's settings (22 U.S.C. 2706 by default): a move needs a notification when it
augments a program by more than the lesser of $1,000,000 and 10% of the program's base, reduces one
by 10% of its base or more, creates one (a base of zero) or eliminates one (it takes the whole base),
or when the reprogramming reorganizes offices or programs. Money so moved may be obligated once the
notice has been held 15 days, and not in the last 15 days of the funds' availability unless the
notice went before them; the Secretary may waive notice where failing to act risks health or welfare.
Plain functions of cents, percents and dates: no database, so each case is computed by hand in tests.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from money import format_dollars
from services.office.settings import NoticeThreshold, OfficeSettings


@dataclass(frozen=True)
class NoticeLaw:
    citation: str
    amount_cents: int
    percent: Decimal
    threshold: NoticeThreshold
    hold_days: int
    last_days: int
    waiver: bool

    @classmethod
    def of(cls, settings: OfficeSettings) -> NoticeLaw:
        return cls(
            citation=settings.reprogramming_citation,
            amount_cents=int(settings.reprogramming_notice_amount * 100),
            percent=settings.reprogramming_notice_percent,
            threshold=settings.reprogramming_notice_threshold,
            hold_days=settings.reprogramming_hold_days,
            last_days=settings.reprogramming_last_days,
            waiver=settings.reprogramming_waiver,
        )

    def percent_words(self) -> str:
        return f"{self.percent.normalize():f}%"


@dataclass(frozen=True)
class Judgement:
    notification_required: bool
    reasons: tuple[str, ...]  # why it is needed, in words; empty when it is not


def judge_move(
    amount_cents: int, from_base_cents: int, to_base_cents: int, from_label: str, to_label: str, law: NoticeLaw
) -> Judgement:
    """Whether moving `amount_cents` from a group to another needs a notification, and why."""
    reasons = [
        *_augments(amount_cents, to_base_cents, to_label, law),
        *_reduces(amount_cents, from_base_cents, from_label, law),
    ]
    return Judgement(bool(reasons), tuple(reasons))


def judge_net(net_cents: int, plan_base_cents: int, label: str, law: NoticeLaw) -> tuple[str, ...]:
    """The year's executed moves into (+) or out of (−) a group, judged together against its operating
    plan as one move would be: why they would have needed a notification, in words."""
    if net_cents > 0:
        reasons = _augments(net_cents, plan_base_cents, label, law)
    else:
        reasons = _reduces(-net_cents, plan_base_cents, label, law) if net_cents < 0 else []
    return tuple(f"{reason} (the year's moves together)" for reason in reasons)


def _augments(amount_cents: int, to_base_cents: int, label: str, law: NoticeLaw) -> list[str]:
    if to_base_cents <= 0:
        return [f"creates {label}: it has no money in the plan"]
    share_cents = to_base_cents * law.percent / 100  # exact: the comparison is never rounded
    by_share = f"more than {law.percent_words()} of its base of {format_dollars(to_base_cents)}"
    by_amount = f"more than {format_dollars(law.amount_cents)}"
    lesser = law.threshold == NoticeThreshold.LESSER
    if (share_cents < law.amount_cents) == lesser:
        limit, words = share_cents, by_share
    else:
        limit, words = law.amount_cents, by_amount
    if amount_cents > limit:
        return [f"augments {label} by {format_dollars(amount_cents)}, {words}"]
    return []


def _reduces(amount_cents: int, from_base_cents: int, label: str, law: NoticeLaw) -> list[str]:
    if from_base_cents <= 0:
        return []
    if amount_cents >= from_base_cents:
        return [f"eliminates {label}: it moves all of its {format_dollars(from_base_cents)}"]
    if amount_cents * 100 >= from_base_cents * law.percent:
        return [
            f"reduces {label} by {format_dollars(amount_cents)}, {law.percent_words()} or more of its base of "
            f"{format_dollars(from_base_cents)}"
        ]
    return []


REORGANIZES = "reorganizes offices or programs"


def day(date: dt.date) -> str:
    """A date as the pages write it: 16 March 2027."""
    return f"{date.day} {date:%B %Y}"


def last_days_start(expires_on: dt.date | None, law: NoticeLaw) -> dt.date | None:
    """The first of the last `last_days` days of the funds' availability (None: no-year funds)."""
    if expires_on is None or law.last_days == 0:
        return None
    return expires_on - dt.timedelta(days=law.last_days - 1)


@dataclass(frozen=True)
class Timing:
    earliest: dt.date | None  # the first day the money may be obligated; None: not before the funds expire
    why: str


def earliest_obligation(
    today: dt.date,
    notification_required: bool,
    notified_on: dt.date | None,
    expires_on: dt.date | None,
    law: NoticeLaw,
) -> Timing:
    """When the moved money may first be obligated, and why then (without a waiver)."""
    if not notification_required:
        return Timing(today, "No notification is needed: it may be executed at once.")
    notice = notified_on or today
    held = notice + dt.timedelta(days=law.hold_days)
    earliest = max(today, held)
    sent = "notified" if notified_on else "if notified today,"
    window = last_days_start(expires_on, law)
    if expires_on is not None and earliest > expires_on:
        return Timing(None, f"The {law.hold_days}-day hold ends after the funds expire on {day(expires_on)}.")
    if window is not None and notice >= window:
        return Timing(
            None,
            f"It falls in the last {law.last_days} days of the funds' availability (from {day(window)}), "
            "and the notice was not sent before them.",
        )
    return Timing(earliest, f"{sent.capitalize()} {day(notice)}, the {law.hold_days}-day hold ends {day(held)}.")


def execution_refusal(
    today: dt.date, notification_required: bool, notified_on: dt.date | None, expires_on: dt.date | None, law: NoticeLaw
) -> str | None:
    """Why the reprogramming may not be executed today without a waiver, or None if it may."""
    if not notification_required:
        return None
    if notified_on is None:
        return f"It needs a notification under {law.citation}, and none has been recorded."
    timing = earliest_obligation(today, True, notified_on, expires_on, law)
    if timing.earliest is None:
        return timing.why
    if today < timing.earliest:
        return f"The notice is held until {day(timing.earliest)}: {timing.why}"
    return None
