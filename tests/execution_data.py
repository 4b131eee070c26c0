"""A small hand-computed execution example: TEST FY2027 (one-year), its plan and its posted transactions.

Allotted $1,000.00. The scenario plans two manual lines on it, $1,200.00 and $0.05, both even over
FY2027: $100.00 a month, and the five cents one each to October through February (equal fractions:
the earliest months first). Transactions (obligation, expenditure):

    2026-10-15   500.00     0.00
    2026-11-20   300.00   200.00
    2026-12-05   -50.00     0.00   a deobligation
    2027-05-10    92.00     0.00
    2027-09-30   100.00   100.00   the expiry day: in September
    2027-10-01   -20.00    30.00   the day after: in the totals, in no month
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from models import (
    ActualsLoad,
    ActualTransaction,
    Appropriation,
    BudgetLine,
    Division,
    FundsCategory,
    LoadStatus,
    ObjectClass,
    Scenario,
    ScenarioKind,
    User,
    db,
)

TRANSACTIONS = [
    ("T1", dt.date(2026, 10, 15), 50_000, 0),
    ("T2", dt.date(2026, 11, 20), 30_000, 20_000),
    ("T3", dt.date(2026, 12, 5), -5_000, 0),
    ("T4", dt.date(2027, 5, 10), 9_200, 0),
    ("T5", dt.date(2027, 9, 30), 10_000, 10_000),
    ("T6", dt.date(2027, 10, 1), -2_000, 3_000),
]


def execution_example() -> tuple[Appropriation, Scenario]:
    """Write the example and commit it (the API and pages read it in their own sessions)."""
    division = db.session.scalar(sa.select(Division).where(Division.code == "IP"))
    grants = db.session.scalar(sa.select(ObjectClass).where(ObjectClass.code == "41.0"))
    rm = db.session.scalar(sa.select(User).where(User.email == "rm@example.gov"))
    funds = Appropriation(
        account_code="TEST",
        title="Execution example",
        category=FundsCategory.FOREIGN_ASSISTANCE,
        fiscal_year=2027,
        availability_years=1,
        enacted_cents=100_000,
        apportioned_cents=100_000,
        allotted_cents=100_000,
    )
    scenario = Scenario(name="Execution example plan", budget_year=2027, kind=ScenarioKind.PLAN)
    db.session.add_all([funds, scenario])
    db.session.flush()
    for cents in (120_000, 5):
        db.session.add(
            BudgetLine(
                scenario_id=scenario.id,
                fiscal_year=2027,
                appropriation_id=funds.id,
                division_id=division.id,
                object_class_id=grants.id,
                amount_cents=cents,
            )
        )
    load = ActualsLoad(
        filename="extract.csv",
        file_sha256="0" * 64,
        content=b"",
        preview={"errors": [], "warnings": []},
        status=LoadStatus.COMMITTED,
        written=len(TRANSACTIONS),
        created_by_id=rm.id,
    )
    db.session.add(load)
    db.session.flush()
    for row, (transaction_id, posted_on, obligation, expenditure) in enumerate(TRANSACTIONS, start=2):
        db.session.add(
            ActualTransaction(
                transaction_id=f"EXEC-{transaction_id}",
                posted_on=posted_on,
                appropriation_id=funds.id,
                object_class_id=grants.id,
                division_id=division.id,
                obligation_cents=obligation,
                expenditure_cents=expenditure,
                load_id=load.id,
                source_row=row,
            )
        )
    db.session.commit()
    return funds, scenario
