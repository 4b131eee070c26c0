"""Reading programs for the pages: totals of the awards a filter matches, a notice's
proposals in a chosen order, and the codes people pick regions, priorities and types by."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from models import Award, FundingNotice, Proposal, ProposalScore, db
from services.programs.award_queries import AwardFilter, award_query
from services.programs.notices import eligibility_problem, proposals_of


@dataclass(frozen=True)
class AwardTotals:
    count: int
    total_cents: int
    obligated_cents: int
    expended_cents: int


def award_totals(filters: AwardFilter) -> AwardTotals:
    """Count and amounts of every award the filter matches (not just one page)."""
    matched = award_query(filters).subquery()
    count, total, obligated, expended = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(matched.c.total_cents), 0),
            sa.func.coalesce(sa.func.sum(matched.c.obligated_cents), 0),
            sa.func.coalesce(sa.func.sum(matched.c.expended_cents), 0),
        )
    ).one()
    return AwardTotals(int(count), int(total), int(obligated), int(expended))


@dataclass(frozen=True)
class ProposalRow:
    proposal: Proposal
    problem: str | None  # why the notice does not cover it, if it doesn't


# sort key → how to order; a leading "-" reverses. Unscored proposals go last either way.
PROPOSAL_SORTS = {
    "number": lambda p: p.number,
    "applicant": lambda p: p.applicant.lower(),
    "region": lambda p: (p.region.code, p.number),
    "priority": lambda p: (p.priority.sort_order, p.number),
    "cost": lambda p: p.cost_cents,
    "merit": lambda p: p.merit,
    "spread": lambda p: p.spread,
}


def notice_proposals(notice: FundingNotice, sort: str = "number") -> list[ProposalRow]:
    """The notice's proposals with what the page shows loaded in a few queries, in `sort` order."""
    proposals = proposals_of(notice)
    descending = sort.startswith("-")
    key = PROPOSAL_SORTS.get(sort.lstrip("-"), PROPOSAL_SORTS["number"])
    scored = [p for p in proposals if key(p) is not None]
    unscored = [p for p in proposals if key(p) is None]
    ordered = sorted(scored, key=key, reverse=descending) + unscored
    return [ProposalRow(p, eligibility_problem(notice, p)) for p in ordered]


def notice_awards(notice: FundingNotice) -> list[Award]:
    """The awards made from the notice's proposals."""
    return list(
        db.session.scalars(
            sa.select(Award)
            .join(Proposal, Award.proposal_id == Proposal.id)
            .where(Proposal.notice_id == notice.id)
            .order_by(Award.number)
        )
    )


@dataclass(frozen=True)
class NoticeRow:
    notice: FundingNotice
    proposals: int
    scored: int  # proposals with at least one reviewer's score


def notice_query(
    *, fiscal_year: int | None = None, account_code: str | None = None, status: str | None = None
) -> sa.Select[tuple[FundingNotice]]:
    """Funding notices, newest fiscal year first, by number."""
    query = sa.select(FundingNotice).order_by(FundingNotice.fiscal_year.desc(), FundingNotice.number)
    if fiscal_year is not None:
        query = query.where(FundingNotice.fiscal_year == fiscal_year)
    if account_code:
        query = query.where(FundingNotice.account_code == account_code)
    if status is not None:
        query = query.where(FundingNotice.status == status)
    return query


@dataclass(frozen=True)
class ProposalFilter:
    notice_id: int | None = None
    decision: str | None = None
    region_id: int | None = None
    priority_id: int | None = None
    program_type_id: int | None = None


def proposal_query(chosen: ProposalFilter) -> sa.Select[tuple[Proposal]]:
    """Proposals by notice and number, narrowed by every filter given."""
    query = sa.select(Proposal).order_by(Proposal.notice_id, Proposal.number)
    for column, value in (
        (Proposal.notice_id, chosen.notice_id),
        (Proposal.decision, chosen.decision),
        (Proposal.region_id, chosen.region_id),
        (Proposal.priority_id, chosen.priority_id),
        (Proposal.program_type_id, chosen.program_type_id),
    ):
        if value is not None:
            query = query.where(column == value)
    return query


def list_notices() -> list[NoticeRow]:
    """Every notice, newest fiscal year first, with how many proposals it has and how many are scored."""
    scored = sa.select(ProposalScore.proposal_id).distinct().subquery()
    counts = {
        notice_id: (int(total), int(with_scores or 0))
        for notice_id, total, with_scores in db.session.execute(
            sa.select(Proposal.notice_id, sa.func.count(Proposal.id), sa.func.count(scored.c.proposal_id))
            .outerjoin(scored, scored.c.proposal_id == Proposal.id)
            .group_by(Proposal.notice_id)
        )
    }
    notices = db.session.scalars(notice_query())
    return [NoticeRow(n, *counts.get(n.id, (0, 0))) for n in notices]
