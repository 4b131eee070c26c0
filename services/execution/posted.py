"""What the financial system posted over a range of dates, summed.

Whole months come from `ActualMonthSum` (kept by triggers in the same transaction as every write
of a transaction); the part-months at the edges of the range from the transactions themselves, along
the index on (appropriation, posted_on, amounts). The figures are the same as summing every
transaction, and cost a few dozen rows however many transactions an appropriation has.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Collection, Sequence

import sqlalchemy as sa

from models import ActualMonthSum, ActualTransaction, db
from services.execution.spend_plan import Month

# What a sum may be grouped by: the sums' column and the transactions' column for each.
_DIMENSIONS = {
    "appropriation_id": (ActualMonthSum.appropriation_id, ActualTransaction.appropriation_id),
    "month": (ActualMonthSum.month, ActualTransaction.posted_on),  # the transactions' days fold into months
    "division_id": (ActualMonthSum.division_key, ActualTransaction.division_id),
    "object_class_id": (ActualMonthSum.object_class_id, ActualTransaction.object_class_id),
}

Sums = dict[tuple, tuple[int, int]]  # the group's key (in the order asked) → (obligated, expended) cents


def _last_day(month: Month) -> dt.date:
    return dt.date(month.year, month.month, calendar.monthrange(month.year, month.month)[1])


def _whole_months(first_day: dt.date | None, last_day: dt.date) -> tuple[Month | None, Month | None]:
    """The first and last whole months inside [first_day, last_day] (None, None when there are none;
    a first of None when the range has no start)."""
    first = None if first_day is None else Month.of(first_day) if first_day.day == 1 else Month.of(first_day).next()
    last = Month.of(last_day)
    if _last_day(last) != last_day:
        last = Month(last.year - 1, 12) if last.month == 1 else Month(last.year, last.month - 1)
    if first is not None and first > last:
        return None, None
    return first, last


def posted(
    through: dt.date,
    *,
    after: dt.date | None = None,
    appropriation_ids: Collection[int] | None = None,
    by: Sequence[str] = (),
) -> Sums:
    """(obligated, expended) cents posted after `after` (if given) through `through`, by the dimensions
    `by` (of "appropriation_id", "month", "division_id", "object_class_id"; no division is None)."""
    first_day = None if after is None else after + dt.timedelta(days=1)
    sums: Sums = {}
    first, last = _whole_months(first_day, through)
    if last is not None:
        conditions = [ActualMonthSum.month <= last.first_day]
        if first is not None:
            conditions.append(ActualMonthSum.month >= first.first_day)
        _add(sums, _summed(ActualMonthSum, by, appropriation_ids, conditions), by)
        edges = [(first_day, None if first is None else first.first_day - dt.timedelta(days=1))]
        edges.append((last.next().first_day, through))
    else:
        edges = [(first_day, through)]
    for low, high in edges:
        if high is None or (low is not None and low > high):
            continue
        conditions = [ActualTransaction.posted_on <= high]
        if low is not None:
            conditions.append(ActualTransaction.posted_on >= low)
        _add(sums, _summed(ActualTransaction, by, appropriation_ids, conditions), by)
    return sums


def _summed(model, by: Sequence[str], appropriation_ids: Collection[int] | None, conditions: list) -> sa.Select:
    columns = [_DIMENSIONS[name][0 if model is ActualMonthSum else 1] for name in by]
    query = sa.select(*columns, sa.func.sum(model.obligation_cents), sa.func.sum(model.expenditure_cents)).where(
        *conditions
    )
    if appropriation_ids is not None:
        query = query.where(model.appropriation_id.in_(appropriation_ids))
    return query.group_by(*columns)


def _add(sums: Sums, query: sa.Select, by: Sequence[str]) -> None:
    for *key, obligated, expended in db.session.execute(query):
        key = tuple(_key(name, value) for name, value in zip(by, key, strict=True))
        was_obligated, was_expended = sums.get(key, (0, 0))
        sums[key] = (was_obligated + int(obligated or 0), was_expended + int(expended or 0))


def _key(name: str, value):
    if name == "month":
        return Month.of(value)
    if name == "division_id":
        return value or None  # the sums' 0 and the transactions' NULL: office-wide
    return value


def total(sums: Sums) -> tuple[int, int]:
    return sum(obligated for obligated, _ in sums.values()), sum(expended for _, expended in sums.values())
