"""Status of funds and the Antideficiency Act check.

Within a scenario every budget line is a claim on its appropriation's
allotment, whatever its stage: available = allotted − planned, where planned
includes the committed and obligated lines. Committed and obligated are shown
as the parts of planned that have moved further along the funds flow; awards'
lines (committed while pending, obligated once signed) are also shown as
"of which awards".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from models import Appropriation, BudgetLineSum, FundsControl, LineSource, LineStage, Scenario, db
from models.base import holds_write_lock
from money import format_dollars
from services.errors import FundsError

EXPIRY_WARNING_DAYS = 90


@dataclass(frozen=True)
class FundsStatus:
    appropriation: Appropriation
    scenario: Scenario | None
    planned_cents: int
    committed_cents: int
    obligated_cents: int
    today: dt.date
    awarded_cents: int = 0  # the part of planned that awards claim (their funding for this year)

    @property
    def enacted_cents(self) -> int:
        return self.appropriation.enacted_cents

    @property
    def apportioned_cents(self) -> int:
        return self.appropriation.apportioned_cents

    @property
    def allotted_cents(self) -> int:
        return self.appropriation.allotted_cents

    @property
    def available_cents(self) -> int:
        return self.allotted_cents - self.planned_cents

    @property
    def is_overdrawn(self) -> bool:
        return self.available_cents < 0

    @property
    def expires_soon(self) -> bool:
        return self.appropriation.expires_within(self.today, EXPIRY_WARNING_DAYS)

    @property
    def is_expired(self) -> bool:
        return self.appropriation.is_expired(self.today)


def appropriation_of(account_code: str, fiscal_year: int) -> Appropriation | None:
    """The appropriation of an account for a fiscal year, if it has been entered."""
    return db.session.scalar(
        sa.select(Appropriation).where(
            Appropriation.account_code == account_code, Appropriation.fiscal_year == fiscal_year
        )
    )


def _sums_by_appropriation_and_stage(scenario_id: int, appropriation_ids: list[int] | None = None):
    """{appropriation id: {stage: cents}} and {appropriation id: cents on award lines}.

    Read from the sums the database keeps (BudgetLineSum): a few rows a scenario, however many lines."""
    query = (
        sa.select(
            BudgetLineSum.appropriation_id,
            BudgetLineSum.stage,
            BudgetLineSum.source,
            sa.func.sum(BudgetLineSum.amount_cents),
        )
        .where(BudgetLineSum.scenario_id == scenario_id)
        .group_by(BudgetLineSum.appropriation_id, BudgetLineSum.stage, BudgetLineSum.source)
    )
    if appropriation_ids is not None:
        query = query.where(BudgetLineSum.appropriation_id.in_(appropriation_ids))
    sums: dict[int, dict[LineStage, int]] = {}
    awarded: dict[int, int] = {}
    for appropriation_id, stage, source, total in db.session.execute(query):
        by_stage = sums.setdefault(appropriation_id, {})
        by_stage[LineStage(stage)] = by_stage.get(LineStage(stage), 0) + int(total or 0)
        if LineSource(source) == LineSource.AWARD:
            awarded[appropriation_id] = awarded.get(appropriation_id, 0) + int(total or 0)
    return sums, awarded


def status_table(scenario: Scenario | None, today: dt.date, appropriations: list[Appropriation]) -> list[FundsStatus]:
    """Status of funds for many appropriations with one grouped query."""
    sums, awarded = (
        _sums_by_appropriation_and_stage(scenario.id, [a.id for a in appropriations]) if scenario else ({}, {})
    )
    table = []
    for appropriation in appropriations:
        by_stage = sums.get(appropriation.id, {})
        table.append(
            FundsStatus(
                appropriation=appropriation,
                scenario=scenario,
                planned_cents=sum(by_stage.values()),
                committed_cents=by_stage.get(LineStage.COMMITTED, 0),
                obligated_cents=by_stage.get(LineStage.OBLIGATED, 0),
                today=today,
                awarded_cents=awarded.get(appropriation.id, 0),
            )
        )
    return table


def status_of(appropriation: Appropriation, scenario: Scenario | None, today: dt.date) -> FundsStatus:
    return status_table(scenario, today, [appropriation])[0]


def planned_by_scenario(appropriation: Appropriation) -> list[tuple[Scenario, int]]:
    """The scenarios with lines on the appropriation, and what they plan on it (from the kept sums)."""
    rows = db.session.execute(
        sa.select(Scenario, sa.func.sum(BudgetLineSum.amount_cents))
        .join(BudgetLineSum, BudgetLineSum.scenario_id == Scenario.id)
        .where(BudgetLineSum.appropriation_id == appropriation.id)
        .group_by(Scenario.id)
        .order_by(Scenario.budget_year, Scenario.name)
    )
    return [(scenario, int(total or 0)) for scenario, total in rows]


@dataclass(frozen=True)
class PlannedInScenario:
    scenario: Scenario
    planned_cents: int
    available_cents: int  # what the allotment leaves unplanned in that scenario


def planned_and_available(appropriation: Appropriation) -> list[PlannedInScenario]:
    return [
        PlannedInScenario(scenario, cents, appropriation.allotted_cents - cents)
        for scenario, cents in planned_by_scenario(appropriation)
    ]


def default_scenario_for(appropriation: Appropriation) -> Scenario | None:
    """The scenario whose figures a status of funds shows when none is chosen:
    the one with the most money on this appropriation, preferring plans."""
    candidates = planned_by_scenario(appropriation)
    if not candidates:
        return None
    rank = {"plan": 2, "enacted": 1, "actual": 0}
    return max(candidates, key=lambda pair: (rank[pair[0].kind.value], pair[0].budget_year, pair[1]))[0]


def lock_appropriations(appropriation_ids: Iterable[int]) -> None:
    """Take the lock under which every claim on these appropriations is checked and written.

    Call it before reading anything the claim depends on (totals, allowance lines): whoever
    holds it sees every earlier claim and no later one until it commits. On PostgreSQL that is
    the appropriation rows' lock, taken in id order so that two claims never wait on each
    other; on SQLite it is the database's write lock, which a unit of work that may claim
    takes when it begins (models.base).
    """
    ids = sorted(set(appropriation_ids))
    if not ids:
        return
    connection = db.session.connection()
    if not holds_write_lock(connection):
        raise RuntimeError("A claim on an appropriation must run in a write-locked unit of work.")
    # FOR NO KEY UPDATE: it does not wait on the key-share locks that new lines' foreign keys
    # take, so a unit of work may write its lines before it locks. The rows are reloaded, so
    # an allotment read before the lock is current too.
    db.session.execute(
        sa.select(Appropriation)
        .where(Appropriation.id.in_(ids))
        .order_by(Appropriation.id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )


def check_funds(
    scenario: Scenario, appropriation: Appropriation, increase_cents: int, control: FundsControl
) -> str | None:
    """Refuse (or warn about) a change that would take the appropriation below zero.

    Returns a warning in "warn" mode, None when there is enough money; raises
    FundsError in "refuse" mode. Decreases are always allowed.
    """
    if increase_cents <= 0:
        return None
    lock_appropriations([appropriation.id])
    status = status_of(appropriation, scenario, dt.date.today())
    after = status.available_cents - increase_cents
    if after >= 0:
        return None
    message = (
        f"{appropriation.label} would be overdrawn in {scenario.name}: "
        f"{format_dollars(status.available_cents)} available, this change needs "
        f"{format_dollars(increase_cents)}, leaving {format_dollars(after)}."
    )
    if control == FundsControl.REFUSE:
        raise FundsError(message + " Reduce the amount or ask for more allotment.", fields={"amount": message})
    return message + " Saved anyway because the office's funds control is set to warn."


def ensure_not_overdrawn(scenario: Scenario, appropriation: Appropriation, control: FundsControl) -> str | None:
    """After a change that wrote many lines at once: refuse (or warn) if the fund is now overdrawn.

    The lines may be written before the lock is taken: the totals are read after it."""
    lock_appropriations([appropriation.id])
    status = status_of(appropriation, scenario, dt.date.today())
    if not status.is_overdrawn:
        return None
    message = (
        f"{appropriation.label} would be overdrawn in {scenario.name} by {format_dollars(-status.available_cents)}."
    )
    if control == FundsControl.REFUSE:
        raise FundsError(message + " Nothing was changed.", fields={"amount": message})
    return message + " Saved anyway because the office's funds control is set to warn."
