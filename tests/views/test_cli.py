"""The command line: `flask --app app seed ...` and `flask --app app users ...`.

Bad input exits 2 with one line on stderr and no traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from config import TestConfig
from models import ApiToken, BudgetLine, Scenario, User, db
from seeding.demo_actuals import demo_extract

RM = "rm@example.gov"


def assert_refused(result) -> str:
    """Exit 2, exactly one line on stderr, nothing on stdout, no traceback."""
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""
    return lines[0]


def counts() -> dict[str, int]:
    """Rows in every table."""
    return {
        table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def lines_in(scenario_name: str) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(BudgetLine.id)).join(Scenario).where(Scenario.name == scenario_name)
    )


def empty_database(path: Path, config=None):
    """A freshly migrated, empty SQLite database and an app on it."""
    config = config or TestConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{path}"
    fresh = create_app(config)
    with fresh.app_context():
        upgrade(directory=str(Path(fresh.root_path) / "migrations"))
        db.engine.dispose()
    return fresh


def in_app(application, function):
    with application.app_context():
        try:
            return function()
        finally:
            db.session.remove()
            db.engine.dispose()


# --------------------------------------------------------------------------- users token


def test_users_token_prints_a_working_token(runner, client):
    result = runner.invoke(args=["users", "token", RM])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert len(result.stdout.splitlines()) == 1
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.get_json()["email"] == RM


def test_users_token_is_stored_hashed(runner):
    token = runner.invoke(args=["users", "token", "  RM@Example.gov ", "--label", "nightly export"]).stdout.strip()
    record = db.session.scalars(sa.select(ApiToken)).one()
    assert record.label == "nightly export"
    assert token not in (record.digest, record.prefix, record.label)
    assert len(record.digest) == 64
    assert token[:10] == record.prefix


@pytest.mark.parametrize("email", ["nobody@example.gov", "", "not an email"])
def test_users_token_for_an_unknown_email_exits_2(runner, email):
    message = assert_refused(runner.invoke(args=["users", "token", email]))
    assert message.startswith("error:")
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0


def test_users_token_for_a_deactivated_user_exits_2(runner):
    user = db.session.scalar(sa.select(User).where(User.email == "staff-ip@example.gov"))
    user.active = False
    db.session.commit()
    assert_refused(runner.invoke(args=["users", "token", "staff-ip@example.gov"]))
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0


def test_users_create_then_token(runner, client):
    result = runner.invoke(
        args=["users", "create", "new.admin@example.gov", "--name", "New Admin", "--role", "admin"],
        input="a-long-enough-password\na-long-enough-password\n",
    )
    assert result.exit_code == 0, result.output
    token = runner.invoke(args=["users", "token", "new.admin@example.gov"]).stdout.strip()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert (me["email"], me["role"]) == ("new.admin@example.gov", "admin")


@pytest.mark.parametrize(
    ("email", "password"),
    [("short.pw@example.gov", "short"), (RM, "a-long-enough-password")],
    ids=["weak-password", "email-taken"],
)
def test_users_create_refuses_bad_input(runner, email, password):
    before = counts()
    result = runner.invoke(
        args=["users", "create", email, "--name", "Someone", "--role", "viewer", "--password", password]
    )
    assert_refused(result)
    assert counts() == before


# --------------------------------------------------------------------------- seed


def test_seed_demo_again_changes_nothing(runner):
    # The test template is seeded without the demo actuals (tests count transactions from zero):
    # the first `seed demo` loads them, and only them (with their monthly sums), with the audit events of their load.
    before = counts()
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    loaded = counts()
    assert {name for name in before if loaded[name] != before[name]} == {
        "actual_month_sum",
        "actuals_load",
        "actual_transaction",
        "audit_event",
    }
    before = loaded
    for _ in range(2):
        result = runner.invoke(args=["seed", "demo"])
        assert result.exit_code == 0, result.output
        assert RM in result.stdout
    assert counts() == before


def test_seed_demo_twice_on_an_empty_database(tmp_path):
    fresh = empty_database(tmp_path / "fresh.sqlite3")
    cli = fresh.test_cli_runner()

    assert cli.invoke(args=["seed", "demo"]).exit_code == 0
    first = in_app(fresh, counts)
    assert first["user_account"] == 6
    assert first["scenario"] == 3
    assert first["appropriation"] == 9
    assert first["budget_line"] > 0
    assert first["actual_transaction"] > 0  # the demo extract, loaded through the preview and the commit
    assert first["actuals_load"] == 1

    result = cli.invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    assert in_app(fresh, counts) == first


def test_seed_demo_extract_writes_what_seed_demo_loads(runner, tmp_path):
    out = tmp_path / "demo.csv"
    result = runner.invoke(args=["seed", "demo-extract", str(out)])
    assert result.exit_code == 0, result.output
    content = out.read_bytes()
    assert content == demo_extract()
    rows = content.count(b"\n") - 1
    assert f"{rows} transactions to 2026-11-30" in result.stdout
    message = assert_refused(runner.invoke(args=["seed", "demo-extract", str(tmp_path / "missing" / "demo.csv")]))
    assert message.startswith("error: OUT:")


def test_seed_scale_adds_exactly_the_lines_asked_for(runner):
    before_total = db.session.scalar(sa.select(sa.func.count(BudgetLine.id)))
    before_plan = lines_in("FY2027 plan")
    result = runner.invoke(args=["seed", "scale", "--lines", "500"])
    assert result.exit_code == 0, result.output
    assert "500" in result.stdout
    assert "FY2027 plan" in result.stdout
    assert db.session.scalar(sa.select(sa.func.count(BudgetLine.id))) == before_total + 500
    assert lines_in("FY2027 plan") == before_plan + 500


@pytest.mark.parametrize(
    "args",
    [["--lines", "0"], ["--lines", "-5"], ["--lines", "10", "--scenario", "No such scenario"]],
    ids=["zero", "negative", "unknown-scenario"],
)
def test_seed_scale_refuses_bad_input(runner, args):
    before = counts()
    message = assert_refused(runner.invoke(args=["seed", "scale", *args]))
    assert message.startswith("error:")
    assert counts() == before


def test_seed_scale_with_a_non_number_is_a_usage_error(runner):
    result = runner.invoke(args=["seed", "scale", "--lines", "lots"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_production_refuses_to_seed_demo_users(tmp_path):
    class ProductionLike(TestConfig):
        ENV_NAME = "production"
        TESTING = False
        SECRET_KEY = "a-long-random-production-secret-0123456789abcdef"

    fresh = empty_database(tmp_path / "production.sqlite3", ProductionLike())
    result = fresh.test_cli_runner().invoke(args=["seed", "demo"])
    message = assert_refused(result)
    assert "production" in message
    assert in_app(fresh, counts)["user_account"] == 0


def test_production_refuses_the_development_secret_key():
    class ProductionWithDevKey(TestConfig):
        ENV_NAME = "production"
        SECRET_KEY = "dev-only-not-secret"

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionWithDevKey())
