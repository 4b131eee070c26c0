"""Budget: scenarios and their budget lines."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from models.base import db, enum_type, utcnow
from models.funds import Appropriation
from models.organisation import Division, User
from models.reference import Country, ObjectClass, Priority, ProgramType, Region


class ScenarioKind(enum.StrEnum):
    ACTUAL = "actual"
    ENACTED = "enacted"
    PLAN = "plan"


class ScenarioStatus(enum.StrEnum):
    DRAFT = "draft"
    LOCKED = "locked"
    SUBMITTED = "submitted"


@dataclass(frozen=True)
class StatusMove:
    """A move of a scenario's status: the word in its URL, its button, from which statuses, to which."""

    name: str
    label: str
    sources: frozenset[ScenarioStatus]
    target: ScenarioStatus


# By the word in the URL, in the order the page offers them.
SCENARIO_MOVES: dict[str, StatusMove] = {
    move.name: move
    for move in (
        StatusMove("lock", "Lock", frozenset({ScenarioStatus.DRAFT}), ScenarioStatus.LOCKED),
        StatusMove("unlock", "Unlock", frozenset({ScenarioStatus.LOCKED}), ScenarioStatus.DRAFT),
        StatusMove(
            "submit",
            "Mark as submitted",
            frozenset({ScenarioStatus.DRAFT, ScenarioStatus.LOCKED}),
            ScenarioStatus.SUBMITTED,
        ),
    )
}


class LineSource(enum.StrEnum):
    MANUAL = "manual"
    TRAVEL = "travel"
    STAFFING = "staffing"
    ALLOCATION = "allocation"
    AWARD = "award"
    IMPORT = "import"
    REPROGRAMMING = "reprogramming"  # a move executed by a reprogramming (source_id: the reprogramming)


class LineStage(enum.StrEnum):
    """How far along the funds flow a line's money is."""

    PLANNED = "planned"
    COMMITTED = "committed"
    OBLIGATED = "obligated"


class Scenario(db.Model):
    __tablename__ = "scenario"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120), unique=True)
    budget_year: so.Mapped[int] = so.mapped_column(sa.ForeignKey("fiscal_year.year"))
    kind: so.Mapped[ScenarioKind] = so.mapped_column(enum_type(ScenarioKind))
    status: so.Mapped[ScenarioStatus] = so.mapped_column(enum_type(ScenarioStatus), default=ScenarioStatus.DRAFT)
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    based_on_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("scenario.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    version: so.Mapped[int] = so.mapped_column(sa.Integer, default=1)

    based_on: so.Mapped[Scenario | None] = so.relationship(remote_side=[id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_editable(self) -> bool:
        return self.status == ScenarioStatus.DRAFT

    @property
    def allowed_moves(self) -> tuple[StatusMove, ...]:
        """The status moves open from where the scenario is now, in the order the page offers them."""
        return tuple(move for move in SCENARIO_MOVES.values() if self.status in move.sources)

    @property
    def label(self) -> str:
        return self.name


class BudgetLine(db.Model):
    __tablename__ = "budget_line"
    # Covering indexes for what every page asks of a scenario: its total, its
    # status of funds (by appropriation and stage), its region × priority
    # matrix, and its lines by amount.
    __table_args__ = (
        sa.Index("ix_budget_line_scenario_amount", "scenario_id", "amount_cents"),
        sa.Index("ix_budget_line_funds", "scenario_id", "appropriation_id", "stage", "amount_cents"),
        sa.Index("ix_budget_line_matrix", "scenario_id", "region_id", "priority_id", "amount_cents"),
        sa.Index("ix_budget_line_scenario_fiscal_year", "scenario_id", "fiscal_year"),
        sa.Index("ix_budget_line_source", "source", "source_id"),
        # A page of a scenario's lines in id order reads this, not a sort of the scenario's ids (0010).
        sa.Index("ix_budget_line_scenario_id", "scenario_id", "id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    scenario_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("scenario.id", ondelete="CASCADE"))
    fiscal_year: so.Mapped[int] = so.mapped_column(sa.ForeignKey("fiscal_year.year"))
    appropriation_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("appropriation.id"))
    division_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("division.id"), index=True)
    object_class_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("object_class.id"), index=True)
    region_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("region.id"), index=True)
    country_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("country.id"), index=True)
    priority_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("priority.id"), index=True)
    program_type_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("program_type.id"), index=True)
    description: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    amount_cents: so.Mapped[int] = so.mapped_column(default=0)
    stage: so.Mapped[LineStage] = so.mapped_column(enum_type(LineStage), default=LineStage.PLANNED)
    source: so.Mapped[LineSource] = so.mapped_column(enum_type(LineSource), default=LineSource.MANUAL)
    source_id: so.Mapped[int | None]
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user_account.id"))
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)
    version: so.Mapped[int] = so.mapped_column(sa.Integer, default=1)

    scenario: so.Mapped[Scenario] = so.relationship()
    appropriation: so.Mapped[Appropriation] = so.relationship()
    division: so.Mapped[Division] = so.relationship()
    object_class: so.Mapped[ObjectClass] = so.relationship()
    region: so.Mapped[Region | None] = so.relationship()
    country: so.Mapped[Country | None] = so.relationship()
    priority: so.Mapped[Priority | None] = so.relationship()
    program_type: so.Mapped[ProgramType | None] = so.relationship()
    created_by: so.Mapped[User | None] = so.relationship()

    __mapper_args__ = {"version_id_col": version}


class BudgetLineSum(db.Model):
    """A scenario's lines counted and summed by appropriation, stage, source, region and priority.

    Kept by triggers on budget_line (migration 0010), so every write of a line (the ORM, a bulk
    insert, a clone, an import, a cascading delete) moves its group in the same transaction; a
    group whose last line goes is deleted. The status of funds, the region × priority matrix and
    the count and total of a page of lines read these few rows instead of every line, so their
    time does not grow with the budget. Region and priority are keyed 0 where a line has none.
    """

    __tablename__ = "budget_line_sum"

    scenario_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("scenario.id", ondelete="CASCADE"), primary_key=True)
    appropriation_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("appropriation.id"), primary_key=True)
    stage: so.Mapped[str] = so.mapped_column(sa.String(32), primary_key=True)  # a LineStage's value
    source: so.Mapped[str] = so.mapped_column(sa.String(32), primary_key=True)  # a LineSource's value
    region_key: so.Mapped[int] = so.mapped_column(primary_key=True)  # the region's id; 0: none
    priority_key: so.Mapped[int] = so.mapped_column(primary_key=True)  # the priority's id; 0: none
    line_count: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    amount_cents: so.Mapped[int] = so.mapped_column(sa.BigInteger)
