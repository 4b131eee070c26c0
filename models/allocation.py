"""Allocation: saved runs of the planner against a scenario."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from models.base import db, enum_type, utcnow
from models.budget import Scenario
from models.organisation import User


class RunStatus(enum.StrEnum):
    """The planner's statuses (allocation-result/1)."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    TIME_LIMIT = "time_limit"


class AllocationRun(db.Model):
    """One solve: the problem as sent (allocation-problem/1), the result as returned
    (allocation-result/1), and who ran and applied it."""

    __tablename__ = "allocation_run"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    scenario_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("scenario.id", ondelete="CASCADE"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    # How the problem was built from the scenario (None when a problem was uploaded).
    settings: so.Mapped[dict | None] = so.mapped_column(sa.JSON)
    problem: so.Mapped[dict] = so.mapped_column(sa.JSON)
    result: so.Mapped[dict] = so.mapped_column(sa.JSON)
    status: so.Mapped[RunStatus] = so.mapped_column(enum_type(RunStatus))
    solver: so.Mapped[str] = so.mapped_column(sa.String(40))
    seconds: so.Mapped[float] = so.mapped_column(sa.Float)  # wall time of the solve, not money
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user_account.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    applied_at: so.Mapped[datetime | None]
    applied_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user_account.id"))

    scenario: so.Mapped[Scenario] = so.relationship()
    created_by: so.Mapped[User | None] = so.relationship(foreign_keys=[created_by_id])
    applied_by: so.Mapped[User | None] = so.relationship(foreign_keys=[applied_by_id])

    @property
    def is_optimal(self) -> bool:
        """Only a proven optimum is an allocation: the rest have nothing to show or apply."""
        return self.status == RunStatus.OPTIMAL

    @property
    def can_apply(self) -> bool:
        return self.is_optimal and self.scenario.is_editable
