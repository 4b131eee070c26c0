"""Users, passwords, sign-in throttling, session versions and API tokens."""

from __future__ import annotations

import datetime as dt
import functools
import gzip
import hashlib
import math
import secrets
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm as so
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from models import ApiToken, Division, LoginAttempt, Role, User, db
from models.base import utcnow
from services.audit.events import record_event, snapshot
from services.errors import ConflictError, PermissionDenied, ValidationError

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the email is unknown, so that timing does not reveal which emails exist.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
TOKEN_PREFIX = "apn_"  # noqa: S105 - a visible prefix, not a secret
MIN_PASSWORD_LENGTH = 12
MIN_DISTINCT_CHARACTERS = 5
# Django's list of 20,000 common passwords (Royce Williams'); provenance in fixtures/README.md.
COMMON_PASSWORDS = Path(__file__).resolve().parents[2] / "fixtures" / "common-passwords.txt.gz"


class ThrottledError(PermissionDenied):
    """Too many recent failed sign-ins for this account: try again after `retry_after` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Throttle:
    """Growing delays after failed sign-ins, counted per account and per account × address.

    Never per address alone: behind a proxy, or in one office, every account shares an
    address, and one person's typos must not refuse a colleague's right password.
    """

    free_failures: int = 5  # from one address, before the first delay
    account_free_failures: int = 20  # from every address together (guessing spread over addresses)
    first_delay: dt.timedelta = dt.timedelta(seconds=30)  # then doubling with each further failure
    max_delay: dt.timedelta = dt.timedelta(minutes=15)
    window: dt.timedelta = dt.timedelta(hours=24)  # older failures are forgotten

    def delay(self, failures: int, free: int) -> dt.timedelta:
        if failures < free:
            return dt.timedelta(0)
        return min(self.first_delay * 2 ** min(failures - free, 30), self.max_delay)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _failures(email: str, since: dt.datetime, remote_addr: str | None = None) -> tuple[int, dt.datetime | None]:
    """How many failures since `since` for the account (from one address, if given), and the latest."""
    query = sa.select(sa.func.count(LoginAttempt.id), sa.func.max(LoginAttempt.at)).where(
        LoginAttempt.email == email, LoginAttempt.at >= since
    )
    if remote_addr is not None:
        query = query.where(LoginAttempt.remote_addr == remote_addr)
    count, latest = db.session.execute(query).one()
    return count, latest


def retry_after(email: str, remote_addr: str, throttle: Throttle) -> int:
    """Seconds until this account may try again from this address (0: now)."""
    now = utcnow()
    since = now - throttle.window
    waits = []
    for count, latest, free in (
        (*_failures(email, since, remote_addr), throttle.free_failures),
        (*_failures(email, since), throttle.account_free_failures),
    ):
        if latest is not None:
            waits.append((latest + throttle.delay(count, free) - now).total_seconds())
    return max(0, math.ceil(max(waits, default=0)))


def _wait_text(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'' if seconds == 1 else 's'}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


def authenticate(email: str, password: str, remote_addr: str, throttle: Throttle) -> User | None:
    """The user for these credentials, or None. Raises ThrottledError while the account must wait."""
    email, remote_addr = email.strip().lower(), remote_addr[:64]
    wait = retry_after(email, remote_addr, throttle)
    if wait:
        raise ThrottledError(
            f"Too many failed sign-ins for this account. Try again in {_wait_text(wait)}.", retry_after=wait
        )
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        _verify(_DUMMY_HASH, password)
    elif user.active and _verify(user.password_hash, password):
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        # The person at this address knows the password: their own earlier typos no longer count.
        db.session.execute(
            sa.delete(LoginAttempt).where(LoginAttempt.email == email, LoginAttempt.remote_addr == remote_addr)
        )
        record_event(user, "user.sign_in", "user", user.id)
        db.session.flush()
        return user
    db.session.add(LoginAttempt(email=email, remote_addr=remote_addr, at=utcnow()))
    db.session.flush()
    return None


def end_all_sessions(user: User) -> None:
    user.session_version += 1
    db.session.flush()


def sign_out(user: User) -> None:
    end_all_sessions(user)
    record_event(user, "user.sign_out", "user", user.id)


def change_password(user: User, current: str, new: str) -> None:
    if not _verify(user.password_hash, current):
        raise ValidationError("Your current password is not right.", fields={"current_password": "Not right."})
    check_password_strength(new, email=user.email, current_hash=user.password_hash)
    user.password_hash = hash_password(new)
    end_all_sessions(user)
    revoked = revoke_all_tokens(user)
    record_event(user, "user.password_change", "user", user.id, reason=_tokens_revoked(revoked))


@functools.cache
def _common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines)


def password_problem(password: str, *, email: str, current_hash: str | None = None) -> str | None:
    """What is wrong with a new password, or None: the one password policy (pages, API and CLI)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    if len(set(password)) < MIN_DISTINCT_CHARACTERS:  # "aaaaaaaaaaaa", "abababababab"
        return "Use more than a few different characters."
    name = email.strip().lower().partition("@")[0]
    if len(name) >= 3 and name in password.lower():  # shorter names would refuse too many good passwords
        return f"Don't use your email's name (“{name}”) in the password."
    if password.strip().lower() in _common_passwords():
        return "That is one of the most common passwords. Choose another."
    if current_hash is not None and _verify(current_hash, password):
        return "That is your current password. Choose a new one."
    return None


def check_password_strength(password: str, *, email: str, current_hash: str | None = None) -> None:
    problem = password_problem(password, email=email, current_hash=current_hash)
    if problem is not None:
        raise ValidationError(f"Choose another password. {problem}", fields={"password": problem})


def create_user(
    actor: User | None,
    *,
    email: str,
    name: str,
    role: Role,
    division: Division | None,
    password: str,
    check_password: bool = True,
) -> User:
    """`check_password=False` is for the demo office only, whose password is documented anyway."""
    email = email.strip().lower()
    if db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise ValidationError("That email is taken.", fields={"email": "A user with this email exists."})
    if role in (Role.DIVISION_HEAD, Role.STAFF) and division is None:
        raise ValidationError("Choose a division.", fields={"division": "Division heads and staff need a division."})
    if check_password:
        check_password_strength(password, email=email)
    user = User(email=email, name=name.strip(), role=role, division=division, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    record_event(actor, "user.create", "user", user.id, after=snapshot(user))
    return user


def update_user(
    actor: User, user: User, *, name: str, role: Role, division: Division | None, active: bool, expected_version: int
) -> None:
    if user.version != expected_version:
        raise ConflictError("This user was changed by someone else since you opened it. Reload and try again.")
    if user.id == actor.id and (role != actor.role or not active):
        raise ValidationError(
            "You can't change your own role or deactivate yourself.", fields={"role": "Ask another administrator."}
        )
    if role in (Role.DIVISION_HEAD, Role.STAFF) and division is None:
        raise ValidationError("Choose a division.", fields={"division": "Division heads and staff need a division."})
    before = snapshot(user)
    deactivated = user.active and not active
    ends_sessions = deactivated or role != user.role
    user.name, user.role, user.division, user.active = name.strip(), role, division, active
    if ends_sessions:
        user.session_version += 1
    # For good: reactivating the user later must not bring back tokens that may have leaked meanwhile.
    revoked = revoke_all_tokens(user) if deactivated else 0
    db.session.flush()
    record_event(
        actor, "user.update", "user", user.id, before=before, after=snapshot(user), reason=_tokens_revoked(revoked)
    )


def load_session_user(session_id: str) -> User | None:
    """Flask-Login's loader: the id is "<user id>:<session version>"."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def token_digest(token: str) -> str:
    """How a token is kept (and named in a kept page's key): never as written."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(actor: User | None, user: User, label: str) -> str:
    """Create a personal token and return its only plain-text copy."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(user_id=user.id, label=label.strip() or "token", digest=token_digest(token), prefix=token[:10])
    db.session.add(record)
    db.session.flush()
    record_event(actor, "api_token.create", "api_token", record.id, after={"user_id": user.id, "label": record.label})
    return token


def revoke_token(actor: User, token: ApiToken) -> None:
    if token.user_id != actor.id:
        raise PermissionDenied("That token is not yours.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()
        record_event(actor, "api_token.revoke", "api_token", token.id)


def revoke_all_tokens(user: User) -> int:
    """Revoke every live token of the user (on a password change or deactivation); return how many."""
    result = db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount


def _tokens_revoked(count: int) -> str:
    return f"{count} API token{'' if count == 1 else 's'} revoked." if count else ""


def user_for_token(token: str) -> User | None:
    # The user with the token, in one query: every API request reads both.
    query = sa.select(ApiToken).where(ApiToken.digest == token_digest(token)).options(so.joinedload(ApiToken.user))
    record = db.session.scalar(query)
    if record is None or record.revoked_at is not None or not record.user.active:
        return None
    return record.user


def tokens_of(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc()))
    )


def list_users() -> list[User]:
    """Active people first, by name."""
    return list(db.session.scalars(sa.select(User).order_by(User.active.desc(), User.name)))
