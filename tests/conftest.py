"""Fixtures: a real database per test (SQLite file or PostgreSQL), the app, clients, sign-in.

The schema is built by the real migrations and the demo office is seeded once
into a template; every test gets its own copy of that template, so tests can
commit, run concurrently on separate connections and leave nothing behind.
Set TEST_DATABASE_URL=postgresql+psycopg://... to run everything on PostgreSQL.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_migrate import upgrade
from helpers import DEMO_PASSWORD, Auth

from app import create_app
from config import TestConfig
from models import db
from seeding import loaders as seeding
from seeding.demo_programs import load_demo_programs
from seeding.demo_requests import load_demo_requests

IN_CI = os.environ.get("CI", "").lower() == "true"
JOBS_DIRECTORY = Path(tempfile.mkdtemp(prefix="apportion-jobs-"))
_counter = itertools.count()


def make_config(database_url: str) -> TestConfig:
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = database_url
    config.DEMO_PASSWORD = DEMO_PASSWORD
    # Each test's job queue is its own: a SQLite file of its own, or its own queue name on the Redis
    # server of REDIS_URL (the job tests run once with each), so no test runs another's job ids.
    name = f"apportion-test-{uuid.uuid4().hex[:12]}"
    config.JOBS_QUEUE = name
    config.JOBS_DATABASE = str(JOBS_DIRECTORY / f"{name}.sqlite3")
    config.JOBS_EXPORTS = str(JOBS_DIRECTORY / f"{name}-exports")
    config.JOBS_UPLOADS = str(JOBS_DIRECTORY / f"{name}-uploads")
    return config


def build_template(database_url: str) -> None:
    """Migrate and seed the demo office into `database_url`."""
    app = create_app(make_config(database_url))
    with app.app_context():
        upgrade(directory=str(Path(app.root_path) / "migrations"))
        seeding.load_reference()
        seeding.load_demo_office(DEMO_PASSWORD)
        load_demo_requests()
        load_demo_programs()
        db.session.commit()
        db.engine.dispose()


class SqliteDatabases:
    def __init__(self, root: Path) -> None:
        self.template = root / "template.sqlite3"
        self.root = root
        build_template(f"sqlite:///{self.template}")

    def create(self) -> str:
        path = self.root / f"test_{next(_counter)}.sqlite3"
        shutil.copyfile(self.template, path)
        return f"sqlite:///{path}"

    def drop(self, url: str) -> None:
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


class PostgresDatabases:
    """Databases cloned from a migrated, seeded template with CREATE DATABASE ... TEMPLATE."""

    def __init__(self, base_url: str) -> None:
        self.base = sa.engine.make_url(base_url)
        self.prefix = re.sub(r"\W", "_", self.base.database or "apportion_test")
        self.admin = sa.create_engine(self.base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        self.template = f"{self.prefix}_template_{uuid.uuid4().hex[:8]}"
        self._execute(f'CREATE DATABASE "{self.template}"')
        build_template(self.base.set(database=self.template).render_as_string(hide_password=False))

    def _execute(self, statement: str) -> None:
        with self.admin.connect() as connection:
            connection.execute(sa.text(statement))

    def create(self) -> str:
        name = f"{self.prefix}_{os.getpid()}_{next(_counter)}"
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return self.base.set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        name = sa.engine.make_url(url).database
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
        self.admin.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url.startswith("postgresql"):
        try:
            factory = PostgresDatabases(url)
        except sa.exc.OperationalError as exc:
            pytest.fail(f"TEST_DATABASE_URL is set but PostgreSQL is not reachable: {exc}", pytrace=False)
        yield factory
        factory.close()
    else:
        yield SqliteDatabases(tmp_path_factory.mktemp("db"))


@pytest.fixture
def database_url(databases):
    url = databases.create()
    yield url
    databases.drop(url)


class AppClient(FlaskClient):
    """Each request runs in its own app context, as in production.

    The test itself holds an app context (so it can use db.session); without
    this, requests would reuse it and share `g`, which caches the signed-in
    user and the CSRF token across requests. The test's session commits what
    it set up first and forgets cached rows afterwards, so it sees what the
    request wrote.
    """

    def open(self, *args, **kwargs):
        db.session.commit()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response


@pytest.fixture
def app(database_url):
    app = create_app(make_config(database_url))
    app.test_client_class = AppClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def auth(client):
    return Auth(client)
