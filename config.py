"""Configuration from environment variables."""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
DEV_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - refused by a production start


def _default_database_url() -> str:
    return f"sqlite:///{BASE_DIR / 'instance' / 'apportion.sqlite3'}"


class Config:
    ENV_NAME = os.environ.get("APPORTION_ENV", "development")
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or _default_database_url()
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session
    # CSRF is checked in views.security for cookie sessions only (bearer-token
    # API calls carry no ambient credentials).
    WTF_CSRF_CHECK_DEFAULT = False
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"
    REMEMBER_COOKIE_DURATION = 0
    # Antideficiency Act control when a line would overdraw an appropriation:
    # "refuse" (default) or "warn". An administrator can change it in the app.
    FUNDS_CONTROL = os.environ.get("FUNDS_CONTROL", "refuse")
    DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "demo-password")
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCKOUT_MINUTES = 15
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    APP_VERSION = "0.1.0"


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret"  # noqa: S105 - tests only
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
    DEMO_PASSWORD = "demo-password"  # noqa: S105 - the documented demo password


def config_from_environment() -> type[Config]:
    return ProductionConfig if os.environ.get("APPORTION_ENV") == "production" else Config
