"""Organisation: divisions, users, roles, API tokens, office settings and sign-in attempts."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin

from models.base import db, enum_type, utcnow


class Role(enum.StrEnum):
    ADMIN = "admin"
    RESOURCE_MANAGER = "resource_manager"
    DIVISION_HEAD = "division_head"
    STAFF = "staff"
    VIEWER = "viewer"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Division(db.Model):
    __tablename__ = "division"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(16), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120), unique=True)
    active: so.Mapped[bool] = so.mapped_column(default=True)
    # Its head and staff run funding notices and manage awards (services.permissions.DIVISION_RIGHTS);
    # new awards and allocated program lines belong to it.
    manages_programs: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())

    def __repr__(self) -> str:
        return f"<Division {self.code}>"


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    role: so.Mapped[Role] = so.mapped_column(enum_type(Role))
    division_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("division.id"))
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(255))
    # Bumped on logout, password change and deactivation: every session whose
    # cookie carries an older number is signed out on its next request.
    session_version: so.Mapped[int] = so.mapped_column(sa.Integer, default=1)
    active: so.Mapped[bool] = so.mapped_column(default=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    version: so.Mapped[int] = so.mapped_column(sa.Integer, default=1)

    division: so.Mapped[Division | None] = so.relationship()

    __mapper_args__ = {"version_id_col": version}

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class ApiToken(db.Model):
    """A personal bearer token. Only its SHA-256 digest is stored."""

    __tablename__ = "api_token"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user_account.id"), index=True)
    label: so.Mapped[str] = so.mapped_column(sa.String(80))
    digest: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    prefix: so.Mapped[str] = so.mapped_column(sa.String(12))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    revoked_at: so.Mapped[datetime | None]

    user: so.Mapped[User] = so.relationship()


class LoginAttempt(db.Model):
    """Failed sign-ins, counted to throttle password guessing."""

    __tablename__ = "login_attempt"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), index=True)
    remote_addr: so.Mapped[str] = so.mapped_column(sa.String(64))
    at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)


class FundsControl(enum.StrEnum):
    REFUSE = "refuse"
    WARN = "warn"

    @property
    def label(self) -> str:
        return {"refuse": "Refuse it (Antideficiency Act control)", "warn": "Save it and warn"}[self.value]


class OfficeSetting(db.Model):
    """Office-wide settings an administrator can change (one row per key)."""

    __tablename__ = "office_setting"

    key: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    value: so.Mapped[str] = so.mapped_column(sa.String(255))
