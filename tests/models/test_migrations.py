"""Migrations that carry data: an office upgraded in place keeps what it had."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from config import TestConfig
from models import Division, db


def test_an_upgraded_office_keeps_international_programs_managing_programs(tmp_path):
    """Before 0006 the code gave the right to the division coded IP; after it, the flag does."""
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'office.sqlite3'}"
    app = create_app(config)
    directory = str(Path(app.root_path) / "migrations")
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
