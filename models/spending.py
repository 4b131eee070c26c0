"""Spending profiles: how the spend plan phases an appropriation × division × object class's other lines.

A line that does not come from an award, a trip or a position is phased by the profile its
resource managers chose for its appropriation, division and object class (services/execution/
spend_plan.py). None saved is the default: even over the months of the line's fiscal year.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from models.base import db, enum_type, utcnow
from models.funds import Appropriation
from models.organisation import Division, User
from models.reference import ObjectClass

MONTHS_IN_YEAR = 12
WHOLE_IN_HUNDREDTHS = 10_000  # 100.00 percent, in hundredths of a percent


class ProfileKind(enum.StrEnum):
    EVEN = "even"
    FRONT_LOADED = "front_loaded"
    BACK_LOADED = "back_loaded"
    CUSTOM = "custom"

    @property
    def label(self) -> str:
        return {
            ProfileKind.EVEN: "Even over the year",
            ProfileKind.FRONT_LOADED: "Front-loaded",
            ProfileKind.BACK_LOADED: "Back-loaded",
            ProfileKind.CUSTOM: "Percentages typed in",
        }[self]


class SpendingProfile(db.Model):
    __tablename__ = "spending_profile"
    __table_args__ = (
        sa.UniqueConstraint(
            "appropriation_id", "division_id", "object_class_id", name="uq_spending_profile_dimensions"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    appropriation_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("appropriation.id"))
    division_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("division.id"))
    object_class_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("object_class.id"))
    kind: so.Mapped[ProfileKind] = so.mapped_column(enum_type(ProfileKind), default=ProfileKind.EVEN)
    # A custom profile's percentages, October to September, in hundredths of a percent (12.50% is
    # 1250), adding up to 10000; None for the other kinds.
    month_hundredths: so.Mapped[list[int] | None] = so.mapped_column(sa.JSON)
    updated_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user_account.id"))
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)
    version: so.Mapped[int] = so.mapped_column(sa.Integer, default=1)

    appropriation: so.Mapped[Appropriation] = so.relationship()
    division: so.Mapped[Division] = so.relationship()
    object_class: so.Mapped[ObjectClass] = so.relationship()
    updated_by: so.Mapped[User | None] = so.relationship()

    __mapper_args__ = {"version_id_col": version}

    def weights(self) -> tuple[int, ...]:
        """The profile's relative weights of October to September (whole numbers)."""
        return profile_weights(self.kind, self.month_hundredths)


def profile_weights(kind: ProfileKind, month_hundredths: list[int] | None = None) -> tuple[int, ...]:
    """Relative weights of October to September: even 1 each; front-loaded 12, 11, ... 1 (over 78);
    back-loaded 1 ... 12; custom the percentages typed in (hundredths, over 10000)."""
    if kind == ProfileKind.FRONT_LOADED:
        return tuple(range(MONTHS_IN_YEAR, 0, -1))
    if kind == ProfileKind.BACK_LOADED:
        return tuple(range(1, MONTHS_IN_YEAR + 1))
    if kind == ProfileKind.CUSTOM and month_hundredths is not None:
        return tuple(month_hundredths)
    return (1,) * MONTHS_IN_YEAR
