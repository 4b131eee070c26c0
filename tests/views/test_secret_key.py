"""Without SECRET_KEY the app makes its own private key once; the public development key signs nothing."""

from __future__ import annotations

import os
import stat

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from helpers import user

from app import create_app
from config import Config, TestConfig


def _development(tmp_path, database_url: str = "sqlite://") -> type[Config]:
    # SECRET_KEY as the environment leaves it: unset, as with `make run` out of the box.
    class Development(Config):
        ENV_NAME = "development"
        SECRET_KEY_FILE = str(tmp_path / "instance" / "secret_key")
        SQLALCHEMY_DATABASE_URI = database_url

    return Development


def test_an_unset_secret_key_is_made_once_private_and_shared(tmp_path):
    config = _development(tmp_path)
    first, second = create_app(config), create_app(config)  # e.g. two gunicorn workers, or a restart
    key = first.config["SECRET_KEY"]
    assert key == second.config["SECRET_KEY"]
    assert key != TestConfig.SECRET_KEY
    assert len(key) >= 32
    key_file = tmp_path / "instance" / "secret_key"
    assert key_file.read_text().strip() == key
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert [p.name for p in key_file.parent.iterdir()] == ["secret_key"]  # no temporary file left behind


def test_another_instance_gets_another_key(tmp_path):
    assert (
        create_app(_development(tmp_path / "a")).config["SECRET_KEY"]
        != create_app(_development(tmp_path / "b")).config["SECRET_KEY"]
    )


def test_a_cookie_signed_with_the_public_development_key_opens_nothing(app, database_url, tmp_path):
    admin = user("admin@example.gov")
    forger = Flask("forger")
    forger.secret_key = "dev-only-not-secret"  # what anyone could read in config.py
    cookie = (
        SecureCookieSessionInterface()
        .get_signing_serializer(forger)
        .dumps({"_user_id": f"{admin.id}:{admin.session_version}", "_fresh": True})
    )
    served = create_app(_development(tmp_path, database_url))
    client = served.test_client()
    client.set_cookie("session", cookie)
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
