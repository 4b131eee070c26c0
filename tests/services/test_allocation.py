"""Allocation from a scenario: the problem it builds, the run it saves, the lines it applies."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections import Counter, defaultdict
from decimal import Decimal
from fractions import Fraction

import pytest
import sqlalchemy as sa
from helpers import Auth, appropriation, plan_scenario, user

from models import AuditEvent, BudgetLine, LineSource, ObjectClass, RunStatus, Scenario, ScenarioStatus, db
from services.allocation import runs as allocation
from services.allocation.problems import AllocationSettings, build_problem, default_weights, spoken_for_cents
from services.errors import ValidationError, WorkflowError
from services.funds.control import status_of


def _program_class_id() -> int:
    return db.session.scalar(sa.select(ObjectClass.id).where(ObjectClass.code == "41.0"))


def _lines(scenario: Scenario) -> list[BudgetLine]:
    return list(db.session.scalars(sa.select(BudgetLine).where(BudgetLine.scenario_id == scenario.id)))


def _run(settings: AllocationSettings | None = None):
    settings = settings or AllocationSettings()
    plan = plan_scenario()
    return allocation.run_allocation(user("rm@example.gov"), plan, build_problem(plan, settings), settings=settings)


def test_funds_are_the_budget_years_program_money_less_other_spending_and_awards(app):
    """Awards already made (their lines) are spoken for: the allocation keeps them."""
    plan = plan_scenario()
    problem = build_problem(plan, AllocationSettings())
    funds = {fund["id"]: fund for fund in problem["funds"]}
    assert set(funds) == {"INCLE-FY2027", "ESF-FY2027"}  # DP is operations money, FY2026 funds are last year's
    for code in ("INCLE", "ESF"):
        record = appropriation(code, 2027)
        other = sum(
            line.amount_cents
            for line in _lines(plan)
            if line.appropriation_id == record.id
            and (line.object_class_id != _program_class_id() or line.source == LineSource.AWARD)
        )
        assert funds[f"{code}-FY2027"]["available"] == (record.allotted_cents - other) // 100
        assert funds[f"{code}-FY2027"]["spend"] == "all"


def test_directives_become_rules_and_bring_program_types_into_the_grid(app):
    problem = build_problem(plan_scenario(), AllocationSettings())
    incle = appropriation("INCLE", 2027)
    rules = {rule["id"]: rule for rule in problem["rules"]}
    for directive in incle.directives:
        rule = rules[f"directive-{directive.id}"]
        assert rule["where"]["fund"] == ["INCLE-FY2027"]
        if directive.min_cents is not None:
            assert rule["min"] * 100 == directive.min_cents
    assert any("program_type" in d.where for d in incle.directives)
    assert all("program_type" in cell["key"] for cell in problem["cells"])


def test_a_directives_cents_round_so_the_law_holds(app):
    """Solved in whole dollars, "not less than $1,000,000.50" must be $1,000,001, "not more than" rounds down."""
    directive = appropriation("INCLE", 2027).directives[0]
    directive.min_cents, directive.max_cents = 100_000_050, 200_000_099
    rules = build_problem(plan_scenario(), AllocationSettings())["rules"]
    rule = next(r for r in rules if r["id"] == f"directive-{directive.id}")
    assert (rule["min"], rule["max"]) == (1_000_001, 2_000_000)


def test_without_directives_the_grid_is_region_by_priority(app):
    problem = build_problem(plan_scenario(), AllocationSettings(include_directives=False))
    assert len(problem["cells"]) == 7 * 4
    assert all(set(cell["key"]) == {"region", "priority"} for cell in problem["cells"])


def _last_years_plan(plan: Scenario, *, by_program_type: bool) -> dict[tuple, int]:
    """Last year's plan by cell, in cents, straight from the base scenario's lines: program lines (41.0)
    other than awards (this year's awards are kept outside the grid, so last year's are left out too)."""
    amounts: dict[tuple, int] = defaultdict(int)
    for line in _lines(plan.based_on):
        if line.object_class_id == _program_class_id() and line.source != LineSource.AWARD and line.region:
            key = (line.region.code, line.priority.code) + ((line.program_type.code,) if by_program_type else ())
            amounts[key] += line.amount_cents
    return dict(amounts)


def _weights(plan: Scenario) -> dict[str, Fraction]:
    return {key: Fraction(Decimal(value)) for key, value in default_weights().items()}


def test_targets_are_last_years_plan_grown_to_this_years_money_by_weight(app):
    """The demo's money grows: each cell gets last year's amount plus a share of the growth in proportion
    to last year's amount × its weight, in whole dollars adding up to the money."""
    plan = plan_scenario()
    problem = build_problem(plan, AllocationSettings(include_directives=False))
    assert problem["objective"] == "targets"  # the default
    money = sum(fund["available"] for fund in problem["funds"])
    last = _last_years_plan(plan, by_program_type=False)
    last_total = Fraction(sum(last.values()), 100)
    assert money > last_total  # the demo grows: this test is about growth
    weights = _weights(plan)
    lean = {key: Fraction(cents, 100) * weights["/".join(key)] for key, cents in last.items()}
    targets = {(c["key"]["region"], c["key"]["priority"]): c["target"] for c in problem["cells"]}
    assert sum(targets.values()) == money
    for key, target in targets.items():
        exact = Fraction(last.get(key, 0), 100) + (money - last_total) * lean.get(key, 0) / sum(lean.values())
        assert abs(target - exact) < 1, key  # whole dollars by largest remainder: under a dollar from exact


def test_targets_lean_to_the_weights_when_the_money_shrinks(app):
    """With a third of last year's money kept by other lines, every cell is cut, the heavier weighted ones less."""
    plan = plan_scenario()
    last = _last_years_plan(plan, by_program_type=False)
    settings = AllocationSettings(include_directives=False)
    for code in ("INCLE", "ESF"):  # keep most of the money on a line the allocation leaves alone
        record = appropriation(code, 2027)
        available = build_problem(plan, settings)["funds"]
        keep = next(f["available"] for f in available if f["id"] == f"{code}-FY2027") * 100 * 6 // 10
        db.session.add(
            BudgetLine(
                scenario_id=plan.id,
                fiscal_year=2027,
                appropriation_id=record.id,
                division_id=_lines(plan)[0].division_id,
                object_class_id=db.session.scalar(sa.select(ObjectClass.id).where(ObjectClass.code == "25.1")),
                description="Kept: advisory services",
                amount_cents=keep,
            )
        )
    db.session.flush()
    problem = build_problem(plan, settings)
    money = sum(fund["available"] for fund in problem["funds"])
    assert money * 100 < sum(last.values())
    targets = {(c["key"]["region"], c["key"]["priority"]): c["target"] for c in problem["cells"]}
    assert sum(targets.values()) == money
    weights = _weights(plan)
    kept = {key: Fraction(targets[key] * 100, cents) for key, cents in last.items() if cents > 0}
    assert all(share < 1 for share in kept.values())  # everyone is cut
    # The share of last year a cell keeps rises with its weight (to within a dollar of rounding).
    ordered = sorted(kept, key=lambda key: weights["/".join(key)])
    for lighter, heavier in itertools.pairwise(ordered):
        if weights["/".join(lighter)] < weights["/".join(heavier)]:
            slack = Fraction(100, last[lighter]) + Fraction(100, last[heavier])
            assert kept[lighter] <= kept[heavier] + slack, (lighter, heavier)


def test_the_default_allocation_on_the_demo_follows_last_years_plan(app):
    """Issue 15: the default run must not look broken. On the demo (money grows about 11% and every
    directive can hold with each cell on its target), so:
    - each fund allocates exactly what it has, to the dollar (allotted less the lines kept and awards);
    - each cell is on its target but for rounding to whole dollars, which moves a cell by at most
      $1 per fund (the contract's rounding bound), unless a binding rule moves it;
    - a cell with nothing in last year's plan stays at nothing, and no two funded cells share an amount
      beyond a coincidence or two (no breakpoints to pile up on)."""
    plan = plan_scenario()
    run = _run()  # the defaults
    assert run.problem["objective"] == "targets"
    assert run.status == RunStatus.OPTIMAL
    for fund in run.result["funds"]:
        record = appropriation(fund["id"].split("-")[0], 2027)
        kept = db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(BudgetLine.amount_cents), 0)).where(
                BudgetLine.scenario_id == plan.id,
                BudgetLine.appropriation_id == record.id,
                sa.or_(BudgetLine.object_class_id != _program_class_id(), BudgetLine.source == LineSource.AWARD),
            )
        )
        assert fund["allocated"] == fund["available"] == (record.allotted_cents - kept) // 100
    cells = {tuple(c["key"].values()): c["total"] for c in run.result["cells"]}
    assert sum(cells.values()) == sum(f["available"] for f in run.result["funds"])
    targets = {tuple(c["key"].values()): c["target"] for c in run.problem["cells"]}
    moved_by_rules = [b for b in run.result["binding"] if b["kind"] == "rule" and b["shadow_price"]]
    rounding = len(run.problem["funds"])
    for key, total in cells.items():
        if abs(total - targets[key]) > rounding:
            assert moved_by_rules, f"{key} is {total - targets[key]:+,} off its target and no rule moves it"
    last = _last_years_plan(plan, by_program_type=True)
    assert {key for key, total in cells.items() if total == 0} == {key for key in cells if not last.get(key)}
    funded = [total for total in cells.values() if total]
    assert max(Counter(funded).values()) <= 2
    assert len(set(funded)) >= len(funded) - 2
    # And as the page shows it, region by priority: no amount repeated but nothing (cells only awards fund).
    matrix: dict[tuple, int] = defaultdict(int)
    for (region, priority, *_), total in cells.items():
        matrix[(region, priority)] += total
    shown = [total for total in matrix.values() if total]
    assert max(Counter(shown).values()) <= 2


def test_apply_writes_the_allocation_and_keeps_other_lines(app):
    plan = plan_scenario()
    before = _lines(plan)
    program_ids = {"INCLE": appropriation("INCLE", 2027).id, "ESF": appropriation("ESF", 2027).id}
    untouched = sorted(
        (line.id, line.amount_cents)
        for line in before
        if not (line.appropriation_id in program_ids.values() and line.object_class_id == _program_class_id())
        or line.source == LineSource.AWARD  # awards made are the mortgage: a plan never replaces them
    )
    assert any(line.source == LineSource.AWARD for line in before)
    run = _run()
    assert run.status == RunStatus.OPTIMAL
    allocation.apply_run(user("rm@example.gov"), run)
    db.session.commit()
    after = _lines(plan)
    written = [line for line in after if line.source == LineSource.ALLOCATION]
    assert len(written) == len(run.result["allocations"])
    assert all(line.source_id == run.id and line.object_class_id == _program_class_id() for line in written)
    # Every fund is spent in full as the run said, and the cents its available had beyond the
    # whole dollars it was solved in go on one of its lines.
    for fund in run.result["funds"]:
        appropriation_id = program_ids[fund["id"].split("-")[0]]
        spent = sum(line.amount_cents for line in written if line.appropriation_id == appropriation_id)
        assert fund["allocated"] == fund["available"]
        assert 0 <= spent - fund["allocated"] * 100 < 100
    kept = sorted((line.id, line.amount_cents) for line in after if line.source != LineSource.ALLOCATION)
    assert kept == untouched
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "allocation_run.apply")) is not None


def test_allocating_every_dollar_leaves_nothing_available_to_the_cent(app, client):
    plan = plan_scenario()
    funds = appropriation("INCLE", 2027)
    # What the allocation has to spend (allotted less the lines it keeps) has cents in the demo.
    assert (funds.allotted_cents - spoken_for_cents(plan, AllocationSettings(), funds)) % 100
    run = _run()
    allocation.apply_run(user("rm@example.gov"), run)
    db.session.commit()
    assert status_of(funds, plan, dt.date.today()).available_cents == 0
    Auth(client).login("viewer@example.gov")
    page = client.get(f"/appropriations/{funds.id}?scenario={plan.id}").get_data(as_text=True)
    assert re.search(r"<dt>Available</dt><dd[^>]*>\$0</dd>", page)


def _signature(line: BudgetLine) -> tuple:
    return (
        line.appropriation_id,
        line.object_class_id,
        line.region_id or 0,
        line.priority_id or 0,
        line.program_type_id or 0,
        line.source.value,
        line.amount_cents,
    )


def test_applying_twice_changes_nothing(app):
    run = _run()
    allocation.apply_run(user("rm@example.gov"), run)
    db.session.commit()
    first = sorted(_signature(line) for line in _lines(plan_scenario()))
    allocation.apply_run(user("rm@example.gov"), run)
    db.session.commit()
    second = sorted(_signature(line) for line in _lines(plan_scenario()))
    assert first == second


def test_an_impossible_floor_is_infeasible_with_the_least_relaxation(app):
    plan = plan_scenario()
    problem = build_problem(plan, AllocationSettings())
    money = sum(fund["available"] for fund in problem["funds"])
    floor = money + 5_000_000  # more than all the money: the floor must give way by exactly the excess
    run = _run(AllocationSettings(region_floors={"AF": floor}))
    assert run.status == RunStatus.INFEASIBLE
    conflicts = {c["id"]: c["relaxed_by"] for c in run.result["conflicts"]}
    assert conflicts == {"floor-AF": 5_000_000}
    count = len(_lines(plan))
    with pytest.raises(WorkflowError, match="only an optimal run can be applied"):
        allocation.apply_run(user("rm@example.gov"), run)
    db.session.rollback()
    assert len(_lines(plan)) == count


def test_a_locked_scenario_is_not_changed(app):
    run = _run()
    plan = plan_scenario()
    plan.status = ScenarioStatus.LOCKED
    db.session.commit()
    with pytest.raises(WorkflowError, match="locked"):
        allocation.apply_run(user("rm@example.gov"), run)


def test_an_uploaded_problem_must_name_the_scenarios_funds_to_be_applied(app):
    problem = {
        "format": "allocation-problem/1",
        "objective": "value",
        "cells": [{"key": {"region": "AF", "priority": "protection"}, "value": [{"upto": None, "weight": 1}]}],
        "funds": [{"id": "ELSEWHERE", "available": 1000, "spend": "all"}],
    }
    run = allocation.run_allocation(user("rm@example.gov"), plan_scenario(), problem, settings=None)
    assert run.status == RunStatus.OPTIMAL
    with pytest.raises(ValidationError, match="ELSEWHERE is not a program appropriation"):
        allocation.apply_run(user("rm@example.gov"), run)


def test_invalid_problems_name_the_field(app):
    problem = {
        "format": "allocation-problem/1",
        "objective": "value",
        "cells": [{"key": {"region": "AF"}, "value": [{"upto": 10, "weight": 1}, {"upto": 20, "weight": 2}]}],
        "funds": [{"id": "F", "available": 1000}],
    }
    with pytest.raises(ValidationError) as invalid:
        allocation.run_allocation(user("rm@example.gov"), plan_scenario(), problem, settings=None)
    assert invalid.value.message.startswith("cells[0].value")


def test_settings_stored_with_earlier_runs_read_back_as_they_were():
    """A run's settings are stored as JSON: the same keys and plain values, read back and written out alike."""
    stored = {
        "objective": "targets",
        "by_program_type": True,
        "spend_all": False,
        "replace_program_lines": False,
        "include_directives": False,
        "time_limit_s": 45,
        "region_floors": {"AF": 1000},
        "region_caps": {"EAP": 5000},
        "priority_min_shares": {"protection": "0.3"},
        "priority_max_shares": {"prevention": "0.5"},
        "weights": {"AF/protection": "1.5"},
    }
    settings = AllocationSettings.from_json(stored | {"retired_setting": 1})
    assert settings.objective == "targets"
    written = settings.to_json()
    assert written == stored
    assert type(written["objective"]) is str
    assert json.loads(json.dumps(written)) == stored
    assert AllocationSettings.from_json(None).to_json() == AllocationSettings().to_json()
    assert AllocationSettings().to_json() | {"region_floors": {}} == {
        "objective": "targets",
        "by_program_type": False,
        "spend_all": True,
        "replace_program_lines": True,
        "include_directives": True,
        "time_limit_s": 20,
        "region_floors": {},
        "region_caps": {},
        "priority_min_shares": {},
        "priority_max_shares": {},
        "weights": {},
    }


def test_the_service_refuses_a_time_limit_over_the_declared_maximum(app):
    with pytest.raises(ValidationError) as refused:
        allocation.run_with_settings(user("rm@example.gov"), plan_scenario(), AllocationSettings(time_limit_s=121))
    assert "time_limit_s" in refused.value.fields
