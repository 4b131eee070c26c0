"""Migrations that carry data: an office upgraded in place keeps what it had."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa
from execution_data import execution_example
from flask import Flask
from flask_migrate import downgrade, upgrade
from helpers import DEMO_PASSWORD

from app import create_app
from config import TestConfig
from models import ActualMonthSum, BudgetLine, BudgetLineSum, Division, Scenario, db
from seeding import loaders as seeding


def _office_app(tmp_path: Path) -> tuple[Flask, str]:
    """An office's app on a SQLite file of its own, and its migrations folder."""
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'office.sqlite3'}"
    config.DEMO_PASSWORD = DEMO_PASSWORD
    app = create_app(config)
    return app, str(Path(app.root_path) / "migrations")


def _migrated_demo_office(directory: str) -> None:
    """The demo office, on a schema migrated to the head (in the app's context)."""
    upgrade(directory=directory)
    seeding.load_reference()
    seeding.load_demo_office(DEMO_PASSWORD)
    db.session.commit()


def test_an_upgraded_office_keeps_international_programs_managing_programs(tmp_path):
    """Before 0006 the code gave the right to the division coded IP; after it, the flag does."""
    app, directory = _office_app(tmp_path)
    with app.app_context():
        upgrade(directory=directory, revision="0005_programs")
        division = sa.table("division", sa.column("code"), sa.column("name"), sa.column("active"))
        db.session.execute(
            division.insert(),
            [
                {"code": "IP", "name": "International Programs", "active": True},
                {"code": "RPA", "name": "Reports and Political Affairs", "active": True},
            ],
        )
        db.session.commit()
        upgrade(directory=directory)
        managing = set(db.session.scalars(sa.select(Division.code).where(Division.manages_programs)))
        db.session.remove()
        db.engine.dispose()
    assert managing == {"IP"}


def test_transactions_loaded_before_the_monthly_sums_are_summed_by_the_migration(tmp_path):
    """0009 adds actual_month_sum: an office that had loaded actuals gets their sums at once."""
    app, directory = _office_app(tmp_path)
    with app.app_context():
        _migrated_demo_office(directory)
        execution_example()
        downgrade(directory=directory, revision="0008_spending_profiles")  # as the office was before 0009
        upgrade(directory=directory)
        sums = {
            (row.month, row.division_key, row.object_class_id): (row.obligation_cents, row.expenditure_cents)
            for row in db.session.scalars(sa.select(ActualMonthSum))
        }
        db.session.remove()
        db.engine.dispose()
    # execution_data.py's transactions, all on one division and object class, by month.
    months = {key[0]: figures for key, figures in sums.items()}
    assert months == {
        dt.date(2026, 10, 1): (50_000, 0),
        dt.date(2026, 11, 1): (30_000, 20_000),
        dt.date(2026, 12, 1): (-5_000, 0),
        dt.date(2027, 5, 1): (9_200, 0),
        dt.date(2027, 9, 1): (10_000, 10_000),
        dt.date(2027, 10, 1): (-2_000, 3_000),
    }


def test_lines_written_before_the_kept_sums_are_summed_by_the_migration(tmp_path):
    """0010 adds budget_line_sum: an office with lines gets their sums at once, and keeps them after."""
    app, directory = _office_app(tmp_path)
    with app.app_context():
        _migrated_demo_office(directory)
        downgrade(directory=directory, revision="0009_actuals_index")  # as the office was before 0010
        plan = db.session.scalar(sa.select(Scenario).where(Scenario.name == "FY2027 plan"))
        seeding.load_scale_lines(plan.id, 300)  # written with no trigger to keep any sum
        db.session.commit()
        upgrade(directory=directory)
        kept: dict[tuple, tuple[int, int]] = {}
        for row in db.session.scalars(sa.select(BudgetLineSum)):  # by the key below, over sources and priorities
            key = (row.scenario_id, row.appropriation_id, row.stage, row.region_key)
            count, cents = kept.get(key, (0, 0))
            kept[key] = (count + row.line_count, cents + row.amount_cents)
        summed: dict[tuple, tuple[int, int]] = {}
        for line in db.session.scalars(sa.select(BudgetLine)):
            key = (line.scenario_id, line.appropriation_id, line.stage.value, line.region_id or 0)
            count, cents = summed.get(key, (0, 0))
            summed[key] = (count + 1, cents + line.amount_cents)
        db.session.remove()
        db.engine.dispose()
    assert kept == summed
    assert sum(count for count, _ in summed.values()) > 300
