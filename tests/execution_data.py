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
    Award,
    BudgetLine,
    Division,
    FundsCategory,
    LoadStatus,
    ObjectClass,
    Priority,
    ProgramType,
    Region,
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


def _committed_load(filename: str, written: int) -> ActualsLoad:
    """A committed load by the first resource manager, for transactions a test writes itself."""
    load = ActualsLoad(
        filename=filename,
        file_sha256="0" * 64,
        content=b"",
        preview={"errors": [], "warnings": []},
        status=LoadStatus.COMMITTED,
        written=written,
        created_by_id=db.session.scalar(sa.select(User.id).where(User.email == "rm@example.gov")),
    )
    db.session.add(load)
    db.session.flush()
    return load


def post(funds: Appropriation, filename: str, rows: list[tuple]) -> None:
    """Commit one load of these transactions on the funds, rows numbered from 2 as in a file:
    (transaction id, posted on, division or None, object class, document or None, obligation, expenditure)."""
    load = _committed_load(filename, len(rows))
    for row, (transaction_id, posted_on, division, object_class, document, obligation, expenditure) in enumerate(
        rows, start=2
    ):
        db.session.add(
            ActualTransaction(
                transaction_id=transaction_id,
                posted_on=posted_on,
                appropriation_id=funds.id,
                object_class_id=object_class.id,
                division_id=None if division is None else division.id,
                document_number=document,
                obligation_cents=obligation,
                expenditure_cents=expenditure,
                load_id=load.id,
                source_row=row,
            )
        )
    db.session.commit()


def _one_year_funds_and_plan(code: str, title: str, allotted_cents: int) -> tuple[Appropriation, Scenario]:
    """One-year FY2027 funds of `code`, enacted, apportioned and allotted at `allotted_cents`, and a plan."""
    funds = Appropriation(
        account_code=code,
        title=title,
        category=FundsCategory.FOREIGN_ASSISTANCE,
        fiscal_year=2027,
        availability_years=1,
        enacted_cents=allotted_cents,
        apportioned_cents=allotted_cents,
        allotted_cents=allotted_cents,
    )
    scenario = Scenario(name=f"{title} plan", budget_year=2027, kind=ScenarioKind.PLAN)
    db.session.add_all([funds, scenario])
    db.session.flush()
    return funds, scenario


def execution_example() -> tuple[Appropriation, Scenario]:
    """Write the example and commit it (the API and pages read it in their own sessions)."""
    division = db.session.scalar(sa.select(Division).where(Division.code == "IP"))
    grants = db.session.scalar(sa.select(ObjectClass).where(ObjectClass.code == "41.0"))
    funds, scenario = _one_year_funds_and_plan("TEST", "Execution example", 100_000)
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
    post(
        funds,
        "extract.csv",
        [(f"EXEC-{tid}", posted_on, division, grants, None, obl, exp) for tid, posted_on, obl, exp in TRANSACTIONS],
    )
    return funds, scenario


def _by_code(model, code: str):
    return db.session.scalar(sa.select(model).where(model.code == code))


def breakdown_example() -> tuple[Appropriation, Scenario]:
    """BRK FY2027 (one-year), planned by division, object class, region and priority; committed.

    Lines, all even over FY2027 (a twelfth a month):

        L1  IP   41.0  Africa                 Prosecution   $1,200.00
        L2  RPA  25.2  East Asia and Pacific  Protection      $600.00
        L3  IP   21.0  no region              no priority       $0.10

    Awards: BRK-AF-1 (Africa, Prosecution) and BRK-EAP-1 (East Asia and Pacific, Protection).
    Transactions (obligation, expenditure):

        2026-10-20  IP    41.0  BRK-AF-1    400.00   50.00
        2026-11-10  RPA   25.2  BRK-EAP-1   100.00    0.00
        2026-12-01  IP    21.0  TA-999       15.00   15.00   names no award
        2026-12-10  none  25.2  none          7.00    2.00   office-wide, no document
        2026-12-20  IP    41.0  BRK-AF-1    999.99    0.00   after 2026-12-15
    """
    ip, rpa = _by_code(Division, "IP"), _by_code(Division, "RPA")
    grants, services, travel = (_by_code(ObjectClass, code) for code in ("41.0", "25.2", "21.0"))
    africa, eap = _by_code(Region, "AF"), _by_code(Region, "EAP")
    prosecution, protection = _by_code(Priority, "prosecution"), _by_code(Priority, "protection")
    bilateral = _by_code(ProgramType, "bilateral")
    funds, scenario = _one_year_funds_and_plan("BRK", "Breakdown example", 500_000)
    for division, object_class, region, priority, cents in (
        (ip, grants, africa, prosecution, 120_000),
        (rpa, services, eap, protection, 60_000),
        (ip, travel, None, None, 10),
    ):
        db.session.add(
            BudgetLine(
                scenario_id=scenario.id,
                fiscal_year=2027,
                appropriation_id=funds.id,
                division_id=division.id,
                object_class_id=object_class.id,
                region_id=None if region is None else region.id,
                priority_id=None if priority is None else priority.id,
                amount_cents=cents,
            )
        )
    for number, division, region, priority in (
        ("BRK-AF-1", ip, africa, prosecution),
        ("BRK-EAP-1", rpa, eap, protection),
    ):
        db.session.add(
            Award(
                number=number,
                title=f"Award {number}",
                partner="A partner",
                division_id=division.id,
                program_type_id=bilateral.id,
                region_id=region.id,
                priority_id=priority.id,
                starts_on=dt.date(2026, 10, 1),
                ends_on=dt.date(2027, 9, 30),
            )
        )
    post(
        funds,
        "breakdown.csv",
        [
            ("BRK-2", dt.date(2026, 10, 20), ip, grants, "BRK-AF-1", 40_000, 5_000),
            ("BRK-3", dt.date(2026, 11, 10), rpa, services, "BRK-EAP-1", 10_000, 0),
            ("BRK-4", dt.date(2026, 12, 1), ip, travel, "TA-999", 1_500, 1_500),
            ("BRK-5", dt.date(2026, 12, 10), None, services, None, 700, 200),
            ("BRK-6", dt.date(2026, 12, 20), ip, grants, "BRK-AF-1", 99_999, 0),
        ],
    )
    return funds, scenario
