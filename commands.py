"""Command-line tools: `flask --app app seed ...`, `flask --app app users ...`.

Bad input exits 2 with one line naming what was wrong; no traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup

import jobs
from exports.limits import ACTUALS_LIMITS
from exports.submission import write_submission
from models import Role, Scenario, ScenarioKind, User, db
from seeding import loaders as seeding
from seeding.demo_actuals import DEMO_TODAY, demo_extract, load_demo_actuals
from seeding.demo_programs import load_demo_programs
from seeding.demo_requests import load_demo_requests
from services.errors import DomainError, ValidationError
from services.execution import actuals
from services.office import accounts
from services.permissions import Action, can
from services.scenarios.submission import build_workbook

seed_cli = AppGroup("seed", help="Load reference data, the demo office, or scale-test lines.")
users_cli = AppGroup("users", help="Manage users and API tokens.")


MAX_ID = 2**63 - 1  # the largest key the database holds


def fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def _refuse_demo_in_production() -> None:
    if current_app.config["ENV_NAME"] == "production":
        fail("refusing to create demo users in a production configuration")


@seed_cli.command("reference")
def seed_reference() -> None:
    """Load (or refresh) reference data: fiscal years, regions, countries, object classes, per diem."""
    seeding.load_reference()
    db.session.commit()
    click.echo("Reference data loaded.")


@seed_cli.command("demo")
def seed_demo() -> None:
    """Load reference data and the demo office, with its actuals extract (idempotent)."""
    _refuse_demo_in_production()
    seeding.load_reference()
    users = seeding.load_demo_office(current_app.config["DEMO_PASSWORD"])
    load_demo_requests()
    load_demo_programs()
    load_demo_actuals()  # through the preview and the commit, as the first resource manager
    db.session.commit()
    click.echo("Demo office ready. Sign in with any of these (password from DEMO_PASSWORD, default demo-password):")
    for email, role, division in users:
        click.echo(f"  {email:<24} {role:<18} {division}")


@seed_cli.command("demo-extract")
@click.argument("out", type=click.Path(dir_okay=False))
def seed_demo_extract(out: str) -> None:
    """Write the demo office's actuals extract (the one `seed demo` loads) to OUT."""
    content = demo_extract()
    try:
        with open(out, "wb") as stream:
            stream.write(content)
    except OSError as exc:
        fail(f"OUT: {exc.strerror or exc}")
    rows = content.count(b"\n") - 1  # the header's line is not a transaction
    click.echo(f"Wrote {out}: {rows} transactions to {DEMO_TODAY.isoformat()}.")


@seed_cli.command("if-empty")
@click.pass_context
def seed_if_empty(ctx: click.Context) -> None:
    """Seed the demo office only when the database has no users (used by `make run`)."""
    if db.session.scalar(sa.select(sa.func.count(User.id))):
        click.echo("Database already has data; not seeding.")
        return
    ctx.invoke(seed_demo)


@seed_cli.command("scale")
@click.option("--lines", "count", type=int, default=100_000, show_default=True, help="How many lines to add.")
@click.option("--scenario", "scenario_name", default=None, help="Scenario name (default: the latest plan).")
def seed_scale(count: int, scenario_name: str | None) -> None:
    """Add synthetic budget lines to a scenario, for performance measurements."""
    if count < 1:
        fail("--lines: must be at least 1")
    query = sa.select(Scenario)
    query = (
        query.where(Scenario.name == scenario_name)
        if scenario_name
        else query.where(Scenario.kind == ScenarioKind.PLAN).order_by(Scenario.budget_year.desc())
    )
    scenario = db.session.scalars(query.limit(1)).first()
    if scenario is None:
        fail("--scenario: no such scenario (run `flask --app app seed demo` first)")
    inserted = seeding.load_scale_lines(scenario.id, count)
    db.session.commit()
    click.echo(f"Added {inserted} lines to {scenario.name}.")


@users_cli.command("token")
@click.argument("email")
@click.option("--label", default="command line", show_default=True)
def users_token(email: str, label: str) -> None:
    """Print a new API token for EMAIL on stdout."""
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active:
        fail(f"EMAIL: no active user {email}")
    token = accounts.issue_token(None, user, label)
    db.session.commit()
    click.echo(token)


@users_cli.command("create")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.password_option()
def users_create(email: str, name: str, role: str, password: str) -> None:
    """Create a user (for the first administrator of a real office)."""
    try:
        accounts.create_user(None, email=email, name=name, role=Role(role), division=None, password=password)
    except ValidationError as exc:
        fail(f"{next(iter(exc.fields), 'input')}: {next(iter(exc.fields.values()), exc.message)}")
    db.session.commit()
    click.echo(f"Created {email}.")


export_cli = AppGroup("export", help="Write workbooks.")


@export_cli.command("submission")
@click.option("--scenario", "scenario_id", type=int, required=True, help="The plan scenario's id.")
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), required=True)
@click.option("--actual", "actual_id", type=int, default=None, help="PY actual scenario (default: the latest).")
@click.option("--enacted", "enacted_id", type=int, default=None, help="CY enacted scenario (default: the latest).")
@click.option("--as", "email", default=None, help="Who the About sheet names (default: the first resource manager).")
def export_submission(
    scenario_id: int, out: str, actual_id: int | None, enacted_id: int | None, email: str | None
) -> None:
    """Write the budget submission workbook of a scenario to FILE."""
    for option, value in (("scenario", scenario_id), ("actual", actual_id), ("enacted", enacted_id)):
        if value is not None and not 1 <= value <= MAX_ID:  # a larger id overflows the driver
            fail(f"--{option}: no scenario with id {value}")
    scenario = db.session.get(Scenario, scenario_id)
    if scenario is None:
        fail(f"--scenario: no scenario with id {scenario_id}")
    query = (
        sa.select(User).where(User.email == email)
        if email
        else sa.select(User).where(User.role == Role.RESOURCE_MANAGER).order_by(User.id)
    )
    actor = db.session.scalars(query.limit(1)).first()
    if actor is None:
        fail(f"--as: no user {email}" if email else "--as: no resource manager to name as the exporter")
    try:
        data = build_workbook(
            scenario, actor, current_app.config["APP_VERSION"], actual_id=actual_id, enacted_id=enacted_id
        )
        checksum = write_submission(data, out)
    except ValidationError as exc:
        fail(f"--{next(iter(exc.fields), 'scenario')}: {exc.message}")
    except OSError as exc:
        fail(f"--out: {exc.strerror or exc}")
    click.echo(f"Wrote {out} (detail checksum {checksum}).")


actuals_cli = AppGroup("actuals", help="Load the financial system's actuals extract.")


def _acting_user(email: str | None, doing: str) -> User:
    """The user named by --as, or the first resource manager."""
    query = (
        sa.select(User).where(User.email == email.strip().lower())
        if email
        else sa.select(User).where(User.role == Role.RESOURCE_MANAGER, User.active).order_by(User.id)
    )
    user = db.session.scalars(query.limit(1)).first()
    if user is None or not user.active:
        fail(f"--as: no active user {email}" if email else f"--as: no resource manager to {doing}")
    return user


@actuals_cli.command("load")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--commit", "commit", is_flag=True, help="Commit the load when its preview is clean.")
@click.option("--as", "email", default=None, help="Who loads it (default: the first resource manager).")
def actuals_load(file: str, commit: bool, email: str | None) -> None:
    """Preview an actuals-extract/1 FILE (CSV or .xlsx); with --commit, write its new rows."""
    loader = _acting_user(email, "load the extract as")
    if not can(loader, Action.LOAD_ACTUALS):
        fail(f"--as: {loader.email} may not load actuals")
    try:
        with open(file, "rb") as stream:
            content = stream.read(ACTUALS_LIMITS.max_bytes + 1)
    except OSError as exc:
        fail(f"FILE: {exc.strerror or exc}")
    try:
        load = actuals.preview_load(loader, Path(file).name, content)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        fail(f"FILE: {exc.message}")
    preview = load.preview
    click.echo(
        f"Load {load.id}: {preview['rows']} rows, {preview['new']} new, {preview['unchanged']} unchanged, "
        f"{len(preview['errors'])} errors, {len(preview['warnings'])} warnings."
    )
    if preview["unknown_columns"]:
        click.echo(f"Columns ignored: {', '.join(preview['unknown_columns'])}")
    for kind, problems in (("error", preview["errors"]), ("warning", preview["warnings"])):
        for problem in problems:
            click.echo(f"  {kind}: row {problem['row']}, {problem['column'] or 'file'}: {problem['message']}")
    if preview["errors"]:
        fail(
            f"FILE: {len(preview['errors'])} row errors; nothing was written (first: row {preview['errors'][0]['row']})"
        )
    if not commit:
        return
    try:
        written = actuals.commit_load(loader, load)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        fail(f"--commit: {exc.message}")
    click.echo(f"Committed load {load.id}: {written} transactions written.")


jobs_cli = AppGroup("jobs", help="The background job queue.")


@jobs_cli.command("work")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True, help="Jobs run at once.")
def work(workers: int) -> None:
    """Run queued jobs until stopped (Ctrl-C or SIGTERM lets running jobs finish first).

    Start as many as you like, on this machine or others sharing the database and the queue (REDIS_URL).
    """
    queue = jobs.queue_of(current_app)
    waiting = jobs.requeue_waiting()
    click.echo(f"Consuming jobs from {jobs.describe(current_app)} with {workers} worker(s); {waiting} waiting.")
    # Poll an empty SQLite queue every second at most: a job starts within about a second.
    queue.create_consumer(workers=workers, worker_type="thread", periodic=False, max_delay=1.0).run()


def register_commands(app: Flask) -> None:
    app.cli.add_command(jobs_cli)
    app.cli.add_command(seed_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(export_cli)
    app.cli.add_command(actuals_cli)
