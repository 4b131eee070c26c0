"""The application factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import jobs
from commands import register_commands
from config import SECRET_KEY_FILE, Config, TestConfig, config_from_environment, instance_secret_key
from extensions import csrf, db, login_manager, migrate
from views import register_views


def create_app(config: type[Config] | Config | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(config or config_from_environment())
    if app.config["ENV_NAME"] == "production" and app.config["SECRET_KEY"] in (None, "", TestConfig.SECRET_KEY):
        raise RuntimeError("SECRET_KEY must be set to a long random value in production")

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)  # the default SQLite file lives there
    if not app.config["SECRET_KEY"]:  # never a key anyone can read in the source
        key_file = app.config.get("SECRET_KEY_FILE") or Path(app.instance_path) / SECRET_KEY_FILE
        app.config["SECRET_KEY"] = instance_secret_key(Path(key_file))
    if app.config["TRUSTED_PROXIES"]:  # the client's address as the proxies saw it (sign-in throttling, logs)
        proxies = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # A claim waits for an appropriation's lock as long as on SQLite (busy_timeout), then a 503.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "connect_args": {"options": "-c lock_timeout=30000"},
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
        }
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path) / "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    jobs.init_app(app)
    register_views(app)
    register_commands(app)
    return app
