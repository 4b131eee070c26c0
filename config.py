"""Configuration from environment variables."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name in the instance folder, used when SECRET_KEY is unset


def _default_database_url() -> str:
    return f"sqlite:///{BASE_DIR / 'instance' / 'apportion.sqlite3'}"


def _whole_number(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit():
        raise RuntimeError(f"{name} must be a whole number of 0 or more, not {text!r}")
    return int(text)


class Config:
    ENV_NAME = os.environ.get("APPORTION_ENV", "development")
    # Unset: the app factory makes a random key once in instance/secret_key (see instance_secret_key).
    SECRET_KEY = os.environ.get("SECRET_KEY") or None
    SECRET_KEY_FILE: str | None = None  # another place for that file (tests); default instance/secret_key
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
    # Sign-in throttling (services.office.accounts.Throttle): free failures per account from one address
    # and from all addresses, then a delay from the first to the longest, doubling with each failure.
    LOGIN_FREE_FAILURES = 5
    LOGIN_ACCOUNT_FREE_FAILURES = 20
    LOGIN_FIRST_DELAY_SECONDS = 30
    LOGIN_MAX_DELAY_SECONDS = 15 * 60
    # How many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host (werkzeug's ProxyFix).
    # 0 trusts none: the address is the connection's, and a client can't forge it with a header.
    TRUSTED_PROXIES = _whole_number("TRUSTED_PROXIES", 0)
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    APP_VERSION = "0.1.0"
    # Whole answers of the busiest read pages kept per web process, under the data's version (never
    # stale: views/page_cache.py); 0 keeps none.
    PAGE_CACHE_BYTES = _whole_number("PAGE_CACHE_BYTES", 32 * 1024 * 1024)
    # Background jobs (jobs/): the queue is Huey on its own SQLite file by default (nothing to install),
    # or on Redis when REDIS_URL is set, so that consumers on other machines share it.
    REDIS_URL = os.environ.get("REDIS_URL") or None
    JOBS_DATABASE = os.environ.get("JOBS_DATABASE") or str(BASE_DIR / "instance" / "jobs.sqlite3")
    JOBS_QUEUE = os.environ.get("JOBS_QUEUE") or "apportion"  # offices sharing one Redis each name their own
    # Work larger than these runs as a job with a progress bar; smaller work answers at once.
    JOBS_SWEEP_SOLVES = _whole_number("JOBS_SWEEP_SOLVES", 2000)  # cells × points of a sensitivity sweep
    JOBS_ALLOCATION_CELLS = _whole_number("JOBS_ALLOCATION_CELLS", 5000)
    JOBS_SELECTION_PROPOSALS = _whole_number("JOBS_SELECTION_PROPOSALS", 2000)  # proposals of a funding notice
    JOBS_EXPORT_LINES = _whole_number("JOBS_EXPORT_LINES", 20000)  # budget lines of a scenario's workbook
    JOBS_IMPORT_BYTES = _whole_number("JOBS_IMPORT_BYTES", 2 * 1024 * 1024)  # an uploaded workbook (~30,000 lines)
    JOBS_ACTUALS_BYTES = _whole_number("JOBS_ACTUALS_BYTES", 4 * 1024 * 1024)  # an actuals extract (~30,000 rows)
    # Where a workbook made by a job waits to be downloaded: a folder the consumers and the web servers share.
    JOBS_EXPORTS = os.environ.get("JOBS_EXPORTS") or str(BASE_DIR / "instance" / "exports")
    # How long such a workbook is kept: older ones are removed when the next export job ends (0 keeps them all).
    JOBS_EXPORTS_KEEP_HOURS = _whole_number("JOBS_EXPORTS_KEEP_HOURS", 24)
    # Where an upload waits for the job that reads it (removed when the job ends): shared the same way.
    JOBS_UPLOADS = os.environ.get("JOBS_UPLOADS") or str(BASE_DIR / "instance" / "uploads")


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - the public development key: tests only, refused in production
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
    DEMO_PASSWORD = "demo-password"  # noqa: S105 - the documented demo password


def instance_secret_key(path: Path) -> str:
    """The key in `path`, made once (random, mode 0600) if the file doesn't exist yet.

    Published with a hard link from a private temporary file, so that when two
    workers start at once one key wins and neither reads a half-written file.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret_key-")  # mode 0600
        try:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(48))
            with contextlib.suppress(FileExistsError):  # another worker made it first: use theirs
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    key = path.read_text().strip()
    if len(key) < 32:
        raise RuntimeError(f"{path} holds no usable secret key: delete it to make a new one, or set SECRET_KEY")
    return key


def config_from_environment() -> type[Config]:
    return ProductionConfig if os.environ.get("APPORTION_ENV") == "production" else Config
