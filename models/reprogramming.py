"""Reprogramming: moves of money within one appropriation and scenario after enactment, and their notice."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from models.base import db, enum_type, utcnow
from models.budget import Scenario
from models.funds import Appropriation
from models.organisation import User


class ReprogrammingStatus(enum.StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    NOTIFIED = "notified"
    CLEARED = "cleared"
    EXECUTED = "executed"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return {"in_review": "In review"}.get(self.value, self.value.capitalize())


class ReprogrammingKind(enum.StrEnum):
    """The change the office says it makes (22 U.S.C. 2706's words); the moves' own kinds are computed."""

    AUGMENT = "augment"
    REDUCE = "reduce"
    CREATE = "create"
    ELIMINATE = "eliminate"
    REORGANIZE = "reorganize"

    @property
    def label(self) -> str:
        return {
            "augment": "Augment an existing program",
            "reduce": "Reduce a program",
            "create": "Create a program, project or activity",
            "eliminate": "Eliminate a program, project or activity",
            "reorganize": "Reorganize offices or programs",
        }[self.value]


class Reprogramming(db.Model):
    __tablename__ = "reprogramming"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    scenario_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("scenario.id", ondelete="CASCADE"), index=True)
    appropriation_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("appropriation.id"), index=True)
    status: so.Mapped[ReprogrammingStatus] = so.mapped_column(
        enum_type(ReprogrammingStatus), default=ReprogrammingStatus.DRAFT
    )
    kind: so.Mapped[ReprogrammingKind] = so.mapped_column(
        enum_type(ReprogrammingKind), default=ReprogrammingKind.AUGMENT
    )
    justification: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # Computed when drafted (services/reprogramming/law.py) and again before each step that depends on it.
    notification_required: so.Mapped[bool] = so.mapped_column(default=False)
    notified_on: so.Mapped[dt.date | None]
    cleared_on: so.Mapped[dt.date | None]
    executed_on: so.Mapped[dt.date | None]
    waiver_reason: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user_account.id"))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)
    version: so.Mapped[int] = so.mapped_column(sa.Integer, default=1)

    scenario: so.Mapped[Scenario] = so.relationship()
    appropriation: so.Mapped[Appropriation] = so.relationship()
    created_by: so.Mapped[User] = so.relationship()
    moves: so.Mapped[list[ReprogrammingMove]] = so.relationship(
        back_populates="reprogramming", cascade="all, delete-orphan", order_by="ReprogrammingMove.position"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def total_cents(self) -> int:
        return sum(move.amount_cents for move in self.moves)

    @property
    def is_open(self) -> bool:
        return self.status not in (ReprogrammingStatus.EXECUTED, ReprogrammingStatus.WITHDRAWN)


class ReprogrammingMove(db.Model):
    """One move: money from a group of the scenario's lines on the appropriation to another group.

    A group is named by dimension ids ({"region": 3, "priority": 2}). The bases, the decision and the
    reasons are computed from the lines (services/reprogramming/law.py) and kept, so the page, the API
    and the notification package show what was decided; `from_lines` are the lines (id, version) the
    move takes from, so executing refuses once one of them has changed.
    """

    __tablename__ = "reprogramming_move"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    reprogramming_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("reprogramming.id", ondelete="CASCADE"), index=True
    )
    position: so.Mapped[int] = so.mapped_column(sa.Integer, default=0)
    from_group: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    to_group: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    amount_cents: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    from_base_cents: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    to_base_cents: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    notification_required: so.Mapped[bool] = so.mapped_column(default=False)
    reasons: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    from_lines: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)

    reprogramming: so.Mapped[Reprogramming] = so.relationship(back_populates="moves")


@dataclass(frozen=True)
class ReprogrammingStep:
    """A step of the workflow: the word in its URL, its button, from which statuses, to which."""

    name: str
    label: str
    sources: frozenset[ReprogrammingStatus]
    target: ReprogrammingStatus


Status = ReprogrammingStatus
_OPEN = frozenset({Status.DRAFT, Status.IN_REVIEW, Status.NOTIFIED, Status.CLEARED})
# By the word in the URL, in the order the page offers them. Executing has more conditions than its
# sources (the notice, the hold, the last days): services/reprogramming/workflow.py.
REPROGRAMMING_STEPS: dict[str, ReprogrammingStep] = {
    step.name: step
    for step in (
        ReprogrammingStep("submit", "Submit for review", frozenset({Status.DRAFT}), Status.IN_REVIEW),
        ReprogrammingStep("notify", "Record the notification", frozenset({Status.IN_REVIEW}), Status.NOTIFIED),
        ReprogrammingStep("clear", "Record the committees' clearance", frozenset({Status.NOTIFIED}), Status.CLEARED),
        ReprogrammingStep("execute", "Execute", _OPEN - {Status.NOTIFIED}, Status.EXECUTED),
        ReprogrammingStep("withdraw", "Withdraw", _OPEN, Status.WITHDRAWN),
    )
}
