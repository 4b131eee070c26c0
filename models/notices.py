"""Programs, part two: funding notices, the proposals that answer them, reviewers'
scores, and the selection runs that choose among them."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

import sqlalchemy as sa
import sqlalchemy.orm as so

from models.allocation import RunStatus
from models.base import db, enum_type, utcnow
from models.organisation import User
from models.reference import Country, Priority, ProgramType, Region

SCORE_SCALE = 100  # scores are stored in hundredths of a point: 87.25 → 8725


class NoticeStatus(enum.StrEnum):
    OPEN = "open"  # taking proposals and scores; selection can be run
    AWARDED = "awarded"  # a selection has been turned into awards

    @property
    def label(self) -> str:
        return self.value.capitalize()


class OutYearCost(NamedTuple):
    """What a proposal costs in one fiscal year after the notice's own."""

    fiscal_year: int
    amount_cents: int


class ProposalDecision(enum.StrEnum):
    """A reviewer panel's override of the optimiser (must_fund / exclude)."""

    NONE = "none"
    FORCE_IN = "force_in"
    FORCE_OUT = "force_out"

    @property
    def label(self) -> str:
        return {"none": "Optimiser decides", "force_in": "Must fund", "force_out": "Excluded"}[self.value]

    @property
    def button_label(self) -> str:
        """What the button that makes this decision says."""
        return {"none": "Let the optimiser decide", "force_in": "Force in", "force_out": "Force out"}[self.value]


class FundingNotice(db.Model):
    """A notice of funding opportunity: one year's money from one account, and its rules."""

    __tablename__ = "funding_notice"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    number: so.Mapped[str] = so.mapped_column(sa.String(40), unique=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    fiscal_year: so.Mapped[int] = so.mapped_column(sa.ForeignKey("fiscal_year.year"))
    account_code: so.Mapped[str] = so.mapped_column(sa.String(32))
    amount_cents: so.Mapped[int] = so.mapped_column(default=0)
    # Eligibility by code; an empty list means any.
    program_types: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    regions: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    priorities: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    status: so.Mapped[NoticeStatus] = so.mapped_column(enum_type(NoticeStatus), default=NoticeStatus.OPEN)
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    version: so.Mapped[int] = so.mapped_column(sa.Integer, default=1)

    rules: so.Mapped[list[NoticeRule]] = so.relationship(
        back_populates="notice", cascade="all, delete-orphan", order_by="NoticeRule.id"
    )
    proposals: so.Mapped[list[Proposal]] = so.relationship(back_populates="notice", order_by="Proposal.number")

    __mapper_args__ = {"version_id_col": version}

    @property
    def label(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status == NoticeStatus.OPEN


class NoticeRule(db.Model):
    """A limit over the proposals a `where` matches: amounts, counts, or a share of the notice."""

    __tablename__ = "notice_rule"
    __table_args__ = (sa.UniqueConstraint("notice_id", "code"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    notice_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("funding_notice.id", ondelete="CASCADE"))
    code: so.Mapped[str] = so.mapped_column(sa.String(60))
    label: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    where: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)  # {"region": ["WHA"], ...}
    min_amount_cents: so.Mapped[int | None]
    max_amount_cents: so.Mapped[int | None]
    min_count: so.Mapped[int | None]
    max_count: so.Mapped[int | None]
    # A share of the notice's amount, in basis points (3000 = 30%); becomes an amount.
    min_share_bp: so.Mapped[int | None]
    max_share_bp: so.Mapped[int | None]

    notice: so.Mapped[FundingNotice] = so.relationship(back_populates="rules")


class Proposal(db.Model):
    """An application under a notice: funded in full or not at all."""

    __tablename__ = "proposal"
    __table_args__ = (sa.UniqueConstraint("notice_id", "number"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    notice_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("funding_notice.id", ondelete="CASCADE"), index=True)
    number: so.Mapped[str] = so.mapped_column(sa.String(40))
    applicant: so.Mapped[str] = so.mapped_column(sa.String(200))
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    region_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("region.id"))
    country_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("country.id"))
    priority_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("priority.id"))
    program_type_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("program_type.id"))
    # What the notice's own appropriation pays (the first year).
    cost_cents: so.Mapped[int] = so.mapped_column(default=0)
    # Later years' costs in integer cents by fiscal year: {"2028": 40000000}.
    out_year_cents: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    months: so.Mapped[int] = so.mapped_column(default=24)  # proposed period of performance
    decision: so.Mapped[ProposalDecision] = so.mapped_column(enum_type(ProposalDecision), default=ProposalDecision.NONE)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    version: so.Mapped[int] = so.mapped_column(sa.Integer, default=1)

    notice: so.Mapped[FundingNotice] = so.relationship(back_populates="proposals")
    region: so.Mapped[Region] = so.relationship()
    country: so.Mapped[Country | None] = so.relationship()
    priority: so.Mapped[Priority] = so.relationship()
    program_type: so.Mapped[ProgramType] = so.relationship()
    scores: so.Mapped[list[ProposalScore]] = so.relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="ProposalScore.reviewer"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def label(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def decision_choices(self) -> list[ProposalDecision]:
        """The decisions that would change it: every one but its own."""
        order = (ProposalDecision.FORCE_IN, ProposalDecision.FORCE_OUT, ProposalDecision.NONE)
        return [decision for decision in order if decision != self.decision]

    @property
    def place(self) -> str:
        return self.country.name if self.country else f"{self.region.name} (regional)"

    @property
    def out_years(self) -> list[OutYearCost]:
        """The out-year costs in year order."""
        return [OutYearCost(int(year), int(cents)) for year, cents in sorted(self.out_year_cents.items())]

    @property
    def out_year_total_cents(self) -> int:
        return sum(int(v) for v in self.out_year_cents.values())

    @property
    def merit(self) -> Decimal | None:
        """The reviewers' average score, to two places; None before any review."""
        if not self.scores:
            return None
        total = sum(s.score_hundredths for s in self.scores)
        return (Decimal(total) / len(self.scores) / SCORE_SCALE).quantize(Decimal("0.01"))

    @property
    def spread(self) -> Decimal | None:
        """Highest minus lowest reviewer score: how far the panel agreed."""
        if not self.scores:
            return None
        values = [s.score_hundredths for s in self.scores]
        return (Decimal(max(values) - min(values)) / SCORE_SCALE).quantize(Decimal("0.01"))


class ProposalScore(db.Model):
    __tablename__ = "proposal_score"
    __table_args__ = (sa.UniqueConstraint("proposal_id", "reviewer"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    proposal_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("proposal.id", ondelete="CASCADE"))
    reviewer: so.Mapped[str] = so.mapped_column(sa.String(120))
    score_hundredths: so.Mapped[int]  # 0–10000: a score of 0–100 to two places
    comment: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    proposal: so.Mapped[Proposal] = so.relationship(back_populates="scores")

    @property
    def score(self) -> Decimal:
        return Decimal(self.score_hundredths) / SCORE_SCALE


class SelectionRun(db.Model):
    """One run of proposal selection: the problem as sent (selection-problem/1) and the result."""

    __tablename__ = "selection_run"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    notice_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("funding_notice.id", ondelete="CASCADE"), index=True)
    problem: so.Mapped[dict] = so.mapped_column(sa.JSON)
    result: so.Mapped[dict] = so.mapped_column(sa.JSON)
    status: so.Mapped[RunStatus] = so.mapped_column(enum_type(RunStatus))
    solver: so.Mapped[str] = so.mapped_column(sa.String(40))
    seconds: so.Mapped[float] = so.mapped_column(sa.Float)  # wall time of the solve, not money
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user_account.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    awarded_at: so.Mapped[datetime | None]

    notice: so.Mapped[FundingNotice] = so.relationship()
    created_by: so.Mapped[User | None] = so.relationship()

    @property
    def selected(self) -> list[str]:
        return list(self.result.get("selected", []))
