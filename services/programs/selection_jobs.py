"""Proposal selection as a background job, for a notice with many proposals.

A notice of up to `most_proposals` proposals is solved in the request, as always; a larger one
becomes a job whose runner solves it (reporting the solver's stages) and writes the
selection run last, so a cancelled or failed job leaves no run.
"""

from __future__ import annotations

import sqlalchemy as sa

from models import FundingNotice, Job, JobKind, Proposal, SelectionRun, User, db
from services.jobs.lifecycle import Outcome, Progress, job_record, start_job
from services.programs.selection import DEFAULT_TIME_LIMIT_S, check_open, run_selection

RESULT_TYPE = "selection_run"


def proposal_count(notice: FundingNotice) -> int:
    return db.session.scalar(sa.select(sa.func.count(Proposal.id)).where(Proposal.notice_id == notice.id)) or 0


def start_selection(actor: User, notice: FundingNotice, time_limit_s: float = DEFAULT_TIME_LIMIT_S) -> Job:
    check_open(notice)  # refused now, not after a wait in the queue
    title = f"Selection for notice {notice.number}"
    return start_job(actor, JobKind.SELECTION_RUN, title, {"notice_id": notice.id, "time_limit_s": time_limit_s})


def run_or_queue(
    actor: User, notice: FundingNotice, most_proposals: int, time_limit_s: float = DEFAULT_TIME_LIMIT_S
) -> SelectionRun | Job:
    """A notice of up to `most_proposals` proposals is solved now; a larger one becomes a job (the caller
    hands it to the queue once committed)."""
    if proposal_count(notice) > most_proposals:
        return start_selection(actor, notice, time_limit_s)
    return run_selection(actor, notice, time_limit_s)


def run_selection_job(actor: User, params: dict, progress: Progress) -> Outcome:
    notice = job_record(FundingNotice, params["notice_id"], "funding notice")
    run = run_selection(actor, notice, params.get("time_limit_s", DEFAULT_TIME_LIMIT_S), progress=progress)
    chosen = len(run.selected)
    return Outcome(f"Run {run.id}: {run.status.value.replace('_', ' ')}, {chosen} selected.", RESULT_TYPE, run.id)
