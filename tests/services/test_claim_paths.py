"""Every way of claiming money takes the same lock: an award, an applied allocation and a
committed import each race a new budget line for the last of an appropriation.

Each claim alone fits; both do not (the line asks for a dollar more than the other leaves).
The claims run on their own connections, and each funds check waits (up to two seconds)
for the other's, so without the lock both would read the same "available" and both would
be saved. With it, the second waits for the first to commit and is refused: exactly one
is saved, and available stays >= 0.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import threading
from collections.abc import Callable
from decimal import Decimal

import sqlalchemy as sa
from helpers import allocation_run_id, appropriation, import_own_export, plan_scenario, program_line, user

from models import AllocationRun, Appropriation, BudgetLine, Division, ImportBatch, LineSource, ObjectClass, db
from money import from_cents
from services.allocation import runs as allocation
from services.budget import lines as budget_lines
from services.errors import ConflictError, FundsError
from services.funds import control as funds
from services.programs import awards
from services.scenarios import imports
from tests.services.test_awards import _award

MEETING_SECONDS = 2  # how long a funds check waits for the other's: a missing lock shows as both saved


def available(appropriation_id: int) -> int:
    db.session.expire_all()
    return funds.status_of(
        db.session.get(Appropriation, appropriation_id), plan_scenario(), dt.date.today()
    ).available_cents


def measured_claim(appropriation_id: int, claim: Callable[[], object]) -> int:
    """How much `claim` takes from the appropriation, measured and then rolled back."""
    before = available(appropriation_id)
    claim()
    db.session.flush()
    taken = (
        before
        - funds.status_of(
            db.session.get(Appropriation, appropriation_id), plan_scenario(), dt.date.today()
        ).available_cents
    )
    db.session.rollback()
    return taken


def race(app, monkeypatch, *claims: Callable[[], object]) -> list[str]:
    """Run the claims at the same moment, each in its own app context and connection."""
    start, meeting = threading.Barrier(len(claims), timeout=60), threading.Barrier(len(claims))
    real_status_of = funds.status_of

    def status_of_when_both_are_there(*args, **kwargs):
        with contextlib.suppress(threading.BrokenBarrierError):
            meeting.wait(timeout=MEETING_SECONDS)
        return real_status_of(*args, **kwargs)

    outcomes: list[str] = []

    def run(claim: Callable[[], object]) -> None:
        with app.app_context():
            start.wait()
            try:
                claim()
                db.session.commit()
                outcomes.append("saved")
            except (FundsError, ConflictError) as refused:
                db.session.rollback()
                outcomes.append(type(refused).__name__)
            finally:
                db.session.remove()

    db.session.commit()
    with monkeypatch.context() as patch:
        patch.setattr(funds, "status_of", status_of_when_both_are_there)
        threads = [threading.Thread(target=run, args=(claim,)) for claim in claims]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return sorted(outcomes)


def line_for_the_rest_and_a_dollar(appropriation_id: int, taken: int) -> Callable[[], object]:
    """A manual line (no allowance, never replaced by an allocation) that fits alone but not after
    `taken` (a dollar over: an allocation puts a fund's last cents on its lines only if they are there)."""
    cents = available(appropriation_id) - taken + 100
    assert 0 < cents <= available(appropriation_id)
    data = dataclasses.replace(
        program_line(db.session.get(Appropriation, appropriation_id), str(from_cents(cents))),
        division_id=db.session.scalar(sa.select(Division.id).where(Division.code == "RPA")),
        object_class_id=db.session.scalar(sa.select(ObjectClass.id).where(ObjectClass.code == "25.2")),
    )

    def claim():
        return budget_lines.create_line(user("rm@example.gov"), data)

    return claim


def assert_one_saved(outcomes: list[str], appropriation_id: int) -> None:
    assert outcomes.count("saved") == 1, outcomes
    assert available(appropriation_id) >= 0


def test_an_award_and_a_new_line_for_the_last_of_the_money(app, monkeypatch):
    incle = appropriation("INCLE", 2027).id

    def make_award():
        return awards.create_award(user("rm@example.gov"), _award(funding=((2027, "INCLE", "300000"),)))

    taken = measured_claim(incle, make_award)
    outcomes = race(app, monkeypatch, make_award, line_for_the_rest_and_a_dollar(incle, taken))
    assert_one_saved(outcomes, incle)


def test_an_applied_allocation_and_a_new_line_for_the_last_of_the_money(app, monkeypatch):
    run_id = allocation_run_id(plan_scenario())

    def apply():
        return allocation.apply_run(user("rm@example.gov"), db.session.get(AllocationRun, run_id))

    # The fund the allocation takes most from.
    funds_written = set(
        db.session.scalars(
            sa.select(Appropriation.id).where(
                Appropriation.fiscal_year == 2027, Appropriation.category == "foreign_assistance"
            )
        )
    )
    taken, target = max((measured_claim(fund_id, apply), fund_id) for fund_id in funds_written)
    assert taken > 0
    outcomes = race(app, monkeypatch, apply, line_for_the_rest_and_a_dollar(target, taken))
    assert_one_saved(outcomes, target)


def test_a_committed_import_and_a_new_line_for_the_last_of_the_money(app, monkeypatch):
    plan = plan_scenario()
    line = db.session.scalar(
        sa.select(BudgetLine)
        .where(BudgetLine.scenario_id == plan.id, BudgetLine.source == LineSource.MANUAL)
        .order_by(BudgetLine.amount_cents.desc())
    )
    line_id, appropriation_id, raised = line.id, line.appropriation_id, 250_000_00

    def edit(workbook):
        sheet = workbook["Detail"]
        header = [cell.value for cell in sheet[1]]
        for row in range(2, sheet.max_row + 1):
            if sheet.cell(row, header.index("Line id") + 1).value == line_id:
                amount = sheet.cell(row, header.index("Amount") + 1)
                amount.value = Decimal(str(amount.value)) + from_cents(raised)

    batch_id = import_own_export(plan, edit).id

    def commit():
        return imports.commit_import(user("rm@example.gov"), db.session.get(ImportBatch, batch_id))

    rest = line_for_the_rest_and_a_dollar(appropriation_id, measured_claim(appropriation_id, commit))
    outcomes = race(app, monkeypatch, commit, rest)
    assert_one_saved(outcomes, appropriation_id)
