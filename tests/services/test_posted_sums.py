"""The monthly sums the database keeps (actual_month_sum, by triggers) give what summing every
transaction gives, over any range of dates, after inserts, updates and deletes alike."""

from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa
from execution_data import execution_example, post
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import ActualMonthSum, ActualTransaction, Appropriation, db
from services.execution.posted import posted
from services.execution.spend_plan import Month

FIRST = dt.date(2026, 9, 1)
LAST = dt.date(2027, 11, 30)


def _scatter(funds: Appropriation, count: int) -> None:
    """`count` more transactions like the example's first, on random days, divisions and amounts."""
    template = db.session.scalar(sa.select(ActualTransaction).where(ActualTransaction.transaction_id == "EXEC-T1"))
    rng = random.Random(count)
    rows = []
    for number in range(count):
        posted_on = FIRST + dt.timedelta(days=rng.randrange((LAST - FIRST).days + 1))
        division = rng.choice([template.division, None])
        obligation, expenditure = rng.randrange(-5_000, 50_000), rng.randrange(0, 20_000)
        rows.append((f"SCATTER-{number}", posted_on, division, template.object_class, None, obligation, expenditure))
    post(funds, "scatter.csv", rows)


def _by_summing_every_transaction(after: dt.date | None, through: dt.date) -> dict[Month, tuple[int, int]]:
    sums: dict[Month, tuple[int, int]] = {}
    query = sa.select(ActualTransaction).where(ActualTransaction.posted_on <= through)
    if after is not None:
        query = query.where(ActualTransaction.posted_on > after)
    for row in db.session.scalars(query):
        obligated, expended = sums.get(Month.of(row.posted_on), (0, 0))
        sums[Month.of(row.posted_on)] = (obligated + row.obligation_cents, expended + row.expenditure_cents)
    return sums


def _by_the_sums(after: dt.date | None, through: dt.date) -> dict[Month, tuple[int, int]]:
    return {month: figures for (month,), figures in posted(through, after=after, by=["month"]).items()}


days = st.integers(min_value=0, max_value=(LAST - FIRST).days + 40).map(
    lambda n: FIRST - dt.timedelta(days=20) + dt.timedelta(days=n)
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(after=st.none() | days, through=days)
def test_any_range_of_dates_sums_as_every_transaction_does(app, after, through):
    if db.session.scalar(sa.select(sa.func.count(ActualTransaction.id))) == 0:
        funds, _ = execution_example()
        _scatter(funds, 300)
    assert _by_the_sums(after, through) == {
        month: figures for month, figures in _by_summing_every_transaction(after, through).items()
    }


def test_updates_and_deletes_move_the_sums_too(app):
    funds, _ = execution_example()
    _scatter(funds, 50)
    moved = db.session.scalar(sa.select(ActualTransaction).where(ActualTransaction.transaction_id == "SCATTER-3"))
    moved.posted_on, moved.obligation_cents, moved.division_id = dt.date(2027, 2, 14), 123_456, None
    db.session.execute(
        sa.delete(ActualTransaction).where(ActualTransaction.transaction_id.in_(["SCATTER-4", "EXEC-T2"]))
    )
    db.session.commit()

    kept = {
        (row.month, row.division_key or None, row.object_class_id): (row.obligation_cents, row.expenditure_cents)
        for row in db.session.scalars(sa.select(ActualMonthSum))
        if (row.obligation_cents, row.expenditure_cents) != (0, 0)
    }
    summed: dict[tuple, tuple[int, int]] = {}
    for row in db.session.scalars(sa.select(ActualTransaction)):
        key = (row.posted_on.replace(day=1), row.division_id, row.object_class_id)
        obligated, expended = summed.get(key, (0, 0))
        summed[key] = (obligated + row.obligation_cents, expended + row.expenditure_cents)
    assert kept == {key: figures for key, figures in summed.items() if figures != (0, 0)}
