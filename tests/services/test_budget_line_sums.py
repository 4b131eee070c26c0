"""The sums the database keeps of each scenario's lines (budget_line_sum, by triggers) equal what
summing every line gives, after every path that writes lines: a line added, changed in each of the
fields its group is made of, deleted; bulk inserts (scale seeding), a clone, a scenario deleted;
on SQLite and, with TEST_DATABASE_URL, PostgreSQL. And the pages read from them show what the
lines add up to."""

from __future__ import annotations

import random

import sqlalchemy as sa
from helpers import appropriation, plan_scenario, program_line, same_line_with, user
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import BudgetLine, BudgetLineSum, LineSource, LineStage, Priority, Region, Scenario, db
from seeding.loaders import load_scale_lines
from services.budget import lines as budget_lines
from services.budget.queries import LineFilter, line_counts_by_scenario, list_lines
from services.scenarios.records import clone_scenario, delete_scenario


def _kept() -> dict[tuple, tuple[int, int]]:
    return {
        (
            row.scenario_id,
            row.appropriation_id,
            row.stage,
            row.source,
            row.region_key or None,
            row.priority_key or None,
        ): (
            row.line_count,
            row.amount_cents,
        )
        for row in db.session.scalars(sa.select(BudgetLineSum))
    }


def _summed_from_every_line() -> dict[tuple, tuple[int, int]]:
    summed: dict[tuple, tuple[int, int]] = {}
    for line in db.session.scalars(sa.select(BudgetLine)):
        key = (
            line.scenario_id,
            line.appropriation_id,
            line.stage.value,
            line.source.value,
            line.region_id,
            line.priority_id,
        )
        count, cents = summed.get(key, (0, 0))
        summed[key] = (count + 1, cents + line.amount_cents)
    return summed


def _assert_kept_sums_are_the_lines() -> None:
    db.session.expire_all()
    assert _kept() == _summed_from_every_line()


def test_the_demo_office_is_summed(app):
    _assert_kept_sums_are_the_lines()


def test_a_line_added_changed_in_each_grouped_field_and_deleted_moves_its_sums(app):
    rm = user("rm@example.gov")
    incle = appropriation("INCLE", 2027)
    line, _ = budget_lines.create_line(rm, program_line(incle, "1234.56"))
    db.session.commit()
    _assert_kept_sums_are_the_lines()

    regions = list(db.session.scalars(sa.select(Region).order_by(Region.id)))
    priorities = list(db.session.scalars(sa.select(Priority).order_by(Priority.id)))
    # Through the service: the amount, then region and priority (from none), then the stage.
    budget_lines.update_line(rm, line, same_line_with(line, "99.01"), line.version)
    db.session.commit()
    _assert_kept_sums_are_the_lines()
    data = same_line_with(line, "99.01")
    data = type(data)(**{**data.__dict__, "region_id": regions[0].id, "priority_id": priorities[0].id})
    budget_lines.update_line(rm, line, data, line.version)
    db.session.commit()
    _assert_kept_sums_are_the_lines()
    data = type(data)(**{**data.__dict__, "stage": LineStage.OBLIGATED})
    budget_lines.update_line(rm, line, data, line.version)
    db.session.commit()
    _assert_kept_sums_are_the_lines()

    # Through the ORM and bulk SQL: the source, the appropriation, the scenario, back to no region.
    line.source = LineSource.AWARD
    db.session.commit()
    _assert_kept_sums_are_the_lines()
    other = appropriation("ESF", 2027) or appropriation("INCLE", 2026)
    db.session.execute(
        sa.update(BudgetLine)
        .where(BudgetLine.id == line.id)
        .values(appropriation_id=other.id, region_id=None, amount_cents=BudgetLine.amount_cents + 1)
    )
    db.session.commit()
    _assert_kept_sums_are_the_lines()
    other_scenario = db.session.scalar(sa.select(Scenario).where(Scenario.id != line.scenario_id).limit(1))
    db.session.execute(sa.update(BudgetLine).where(BudgetLine.id == line.id).values(scenario_id=other_scenario.id))
    db.session.commit()
    _assert_kept_sums_are_the_lines()
    # A change of a field no group is made of leaves the sums as they were.
    db.session.execute(sa.update(BudgetLine).values(description="renamed"))
    db.session.commit()
    _assert_kept_sums_are_the_lines()

    db.session.execute(sa.update(BudgetLine).where(BudgetLine.id == line.id).values(scenario_id=plan_scenario().id))
    db.session.commit()
    _assert_kept_sums_are_the_lines()

    budget_lines.delete_line(rm, db.session.get(BudgetLine, line.id), db.session.get(BudgetLine, line.id).version)
    db.session.commit()
    _assert_kept_sums_are_the_lines()


def test_bulk_inserts_a_clone_bulk_deletes_and_a_deleted_scenario_keep_the_sums(app):
    plan = plan_scenario()
    load_scale_lines(plan.id, 2_000, seed=16)
    db.session.commit()
    _assert_kept_sums_are_the_lines()

    copy = clone_scenario(user("rm@example.gov"), plan, "Copy of the plan")
    db.session.commit()
    _assert_kept_sums_are_the_lines()
    assert line_counts_by_scenario()[copy.id][0] == db.session.scalar(
        sa.select(sa.func.count()).where(BudgetLine.scenario_id == copy.id)
    )

    ids = list(db.session.scalars(sa.select(BudgetLine.id).where(BudgetLine.scenario_id == plan.id)))
    gone = random.Random(16).sample(ids, 500)
    db.session.execute(sa.delete(BudgetLine).where(BudgetLine.id.in_(gone)))
    db.session.commit()
    _assert_kept_sums_are_the_lines()

    delete_scenario(user("rm@example.gov"), copy, copy.version)
    db.session.commit()
    _assert_kept_sums_are_the_lines()
    assert copy.id not in {row.scenario_id for row in db.session.scalars(sa.select(BudgetLineSum))}


def test_a_group_whose_last_line_goes_is_gone(app):
    plan = plan_scenario()
    db.session.execute(sa.delete(BudgetLine).where(BudgetLine.scenario_id == plan.id))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).where(BudgetLineSum.scenario_id == plan.id)) == 0
    assert plan.id not in line_counts_by_scenario()
    page = list_lines(LineFilter(scenario_id=plan.id))
    assert (page.total, page.total_cents, page.items) == (0, 0, [])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    filters=st.fixed_dictionaries(
        {},
        optional={
            "appropriation": st.integers(0, 5),
            "region": st.integers(0, 6),
            "priority": st.integers(0, 4),
            "source": st.sampled_from(list(LineSource)),
            "fiscal_year": st.sampled_from([2026, 2027]),
        },
    )
)
def test_the_count_and_total_of_any_filter_are_those_of_its_lines(app, filters):
    """Filters the kept sums answer, and those they don't, count and total as the lines do."""
    plan = plan_scenario()
    if db.session.scalar(sa.select(sa.func.count()).where(BudgetLine.source == LineSource.IMPORT)) == 0:
        load_scale_lines(plan.id, 600, seed=3)
        db.session.commit()
    appropriation_ids = list(
        db.session.scalars(sa.select(BudgetLine.appropriation_id).distinct().order_by(BudgetLine.appropriation_id))
    )
    region_ids = list(db.session.scalars(sa.select(Region.id).order_by(Region.id)))
    priority_ids = list(db.session.scalars(sa.select(Priority.id).order_by(Priority.id)))
    line_filter = LineFilter(
        scenario_id=plan.id,
        appropriation_id=appropriation_ids[filters["appropriation"] % len(appropriation_ids)]
        if "appropriation" in filters
        else None,
        region_id=region_ids[filters["region"] % len(region_ids)] if "region" in filters else None,
        priority_id=priority_ids[filters["priority"] % len(priority_ids)] if "priority" in filters else None,
        source=filters["source"].value if "source" in filters else None,
        fiscal_year=filters.get("fiscal_year"),
    )
    lines = [
        line
        for line in db.session.scalars(sa.select(BudgetLine).where(BudgetLine.scenario_id == plan.id))
        if all(
            wanted is None or getattr(line, name) == wanted
            for name, wanted in (
                ("appropriation_id", line_filter.appropriation_id),
                ("region_id", line_filter.region_id),
                ("priority_id", line_filter.priority_id),
                ("source", line_filter.source),
                ("fiscal_year", line_filter.fiscal_year),
            )
        )
    ]
    page = list_lines(line_filter, per_page=10)
    assert (page.total, page.total_cents) == (len(lines), sum(line.amount_cents for line in lines))


def test_every_page_of_a_sorted_list_holds_the_lines_in_order_once(app):
    """Pages in the second half are read from the far end: the pages together are still every line,
    once each, in the order asked for (with ties in id order), and the last page is the short one."""
    plan = plan_scenario()
    load_scale_lines(plan.id, 611, seed=5)
    db.session.commit()
    lines = list(db.session.scalars(sa.select(BudgetLine).where(BudgetLine.scenario_id == plan.id)))
    expected = {
        "id": [line.id for line in sorted(lines, key=lambda line: line.id)],
        "-id": [line.id for line in sorted(lines, key=lambda line: -line.id)],
        "amount": [line.id for line in sorted(lines, key=lambda line: (line.amount_cents, line.id))],
        "-amount": [line.id for line in sorted(lines, key=lambda line: (-line.amount_cents, -line.id))],
    }
    per_page = 50
    pages = -(-len(lines) // per_page)
    for sort, order in expected.items():
        read = [
            line.id
            for n in range(1, pages + 1)
            for line in list_lines(LineFilter(plan.id), sort=sort, page=n, per_page=per_page).items
        ]
        assert read == order, sort
        assert list_lines(LineFilter(plan.id), sort=sort, page=pages + 1, per_page=per_page).items == []
    # Sorted by the country's code, whichever end the database puts lines without one.
    read = [
        line
        for n in range(1, pages + 1)
        for line in list_lines(LineFilter(plan.id), sort="-country", page=n, per_page=per_page).items
    ]
    assert sorted(line.id for line in read) == sorted(line.id for line in lines)
    codes = [line.country.iso3 for line in read if line.country is not None]
    assert codes == sorted(codes, reverse=True)
    last = list_lines(LineFilter(plan.id), sort="-country", page=pages, per_page=per_page).items
    assert len(last) == len(lines) - (pages - 1) * per_page


def test_following_the_seeks_reads_every_page_in_id_order_both_ways(app):
    plan = plan_scenario()
    load_scale_lines(plan.id, 237, seed=7)
    db.session.commit()
    ids = sorted(db.session.scalars(sa.select(BudgetLine.id).where(BudgetLine.scenario_id == plan.id)))
    per_page = 40
    pages = -(-len(ids) // per_page)
    for sort, order in (("id", ids), ("-id", ids[::-1])):
        forward, page = [], list_lines(LineFilter(plan.id), sort=sort, per_page=per_page)
        for number in range(2, pages + 1):
            forward.append([line.id for line in page.items])
            page = list_lines(LineFilter(plan.id), sort=sort, page=number, per_page=per_page, after=page.next_after)
        forward.append([line.id for line in page.items])
        assert page.next_after is None
        assert forward == [order[n : n + per_page] for n in range(0, len(order), per_page)], sort
        backward = [[line.id for line in page.items]]
        for number in range(pages - 1, 0, -1):
            page = list_lines(
                LineFilter(plan.id), sort=sort, page=number, per_page=per_page, before=page.previous_before
            )
            backward.append([line.id for line in page.items])
        assert page.previous_before is None
        assert backward[::-1] == forward, sort
