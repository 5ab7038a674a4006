"""Signing in: a password checked against its Argon2id hash, under a rate
limit per account and per address; sessions that expire after idle time
and at the end of their lifetime; signing out."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .. import domain
from ..exceptions import SignInRefused
from ..models import ConsoleSession, Preference, SignInAttempt, SignInRecord

HASHER = PasswordHasher()  # Argon2id, argon2-cffi's (RFC 9106 low-memory) parameters
# verified when the login is unknown, so a wrong login takes as long as a wrong password
_DUMMY_HASH = HASHER.hash(secrets.token_urlsafe(16))
MIN_PASSWORD_LENGTH = 12


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def set_password(command: dict, *, uow, now: datetime) -> SignInRecord:
    """{"staff_id", "login", "password"}: create or replace a staff member's
    sign-in record (ops, `rueda-console password set`); their sessions end."""
    password = command["password"]
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
    login = domain.normal_login(command["login"])
    if not login:
        raise ValueError("a login is needed (the person's email address)")
    taken = uow.session.scalars(
        sa.select(SignInRecord).where(
            SignInRecord.login == login, SignInRecord.staff_id != command["staff_id"]
        )
    ).first()
    if taken is not None:
        raise ValueError(f"the login {login} belongs to another staff member")
    record = uow.session.get(SignInRecord, command["staff_id"])
    if record is None:
        record = SignInRecord(staff_id=command["staff_id"], created_at=now)
        uow.session.add(record)
    record.login = login
    record.password_hash = HASHER.hash(password)
    record.updated_at = now
    uow.session.execute(
        sa.delete(ConsoleSession).where(ConsoleSession.staff_id == command["staff_id"])
    )
    return record


def _failures(session, column, value, since) -> int:
    return session.execute(
        sa.select(sa.func.count())
        .select_from(SignInAttempt)
        .where(column == value, SignInAttempt.succeeded.is_(False), SignInAttempt.at >= since)
    ).scalar_one()


def check_password(
    command: dict, *, uow, now: datetime, limit: domain.SignInLimit
) -> tuple[str | None, str | None]:
    """{"login", "password", "address"} -> (staff id, None), or (None,
    "rate_limited" | "wrong"). Every try is recorded (so a refusal is an
    answer, not an exception: the attempt must commit)."""
    login = domain.normal_login(command["login"])[:320]
    address = (command.get("address") or "-")[:64]
    since = now - limit.window
    if limit.refused(
        account_failures=_failures(uow.session, SignInAttempt.login, login, since),
        address_failures=_failures(uow.session, SignInAttempt.address, address, since),
    ):
        uow.session.add(SignInAttempt(login=login, address=address, succeeded=False, at=now))
        return None, "rate_limited"
    record = uow.session.scalars(sa.select(SignInRecord).where(SignInRecord.login == login)).first()
    try:
        HASHER.verify(record.password_hash if record else _DUMMY_HASH, command["password"] or "")
        good = record is not None
    except (VerificationError, InvalidHashError):
        good = False
    uow.session.add(SignInAttempt(login=login, address=address, succeeded=good, at=now))
    if not good:
        return None, "wrong"
    if HASHER.check_needs_rehash(record.password_hash):
        record.password_hash = HASHER.hash(command["password"])
    record.last_signed_in_at = now
    return record.staff_id, None


def start_session(
    command: dict, *, uow, now: datetime, policy: domain.SessionPolicy
) -> tuple[str, ConsoleSession]:
    """{"staff": intake's staff member, "address"} -> (cookie token, session).
    A member who left (inactive) or holds no role gets no session."""
    staff = command["staff"]
    if not staff.get("active") or not set(staff.get("roles") or ()) & set(domain.STAFF):
        raise SignInRefused("inactive")
    token = secrets.token_urlsafe(32)
    preference = uow.session.get(Preference, staff["id"])
    language = (preference.language if preference and preference.language else None) or staff.get(
        "language"
    )
    record = ConsoleSession(
        token_hash=token_hash(token),
        staff_id=staff["id"],
        name=staff["name"],
        roles=list(staff.get("roles") or []),
        language=language if language in domain.LANGUAGES else command.get("fallback", "es"),
        csrf_token=secrets.token_urlsafe(32),
        address=(command.get("address") or "")[:64],
        created_at=now,
        last_seen_at=now,
        roles_checked_at=now,
        expires_at=policy.expires_at(now, now),
    )
    uow.session.add(record)
    return token, record


def open_session(
    command: dict, *, uow, now: datetime, policy: domain.SessionPolicy
) -> ConsoleSession | None:
    """{"token"} -> the live session (its idle time restarted), or None when
    there is none or it expired (an expired one is deleted)."""
    token = command.get("token")
    if not token or len(token) > 200:
        return None
    record = uow.session.get(ConsoleSession, token_hash(token))
    if record is None:
        return None
    if record.expires_at <= now:
        uow.session.delete(record)
        return None
    record.last_seen_at = now
    record.expires_at = policy.expires_at(record.created_at, now)
    return record


def refresh_person(command: dict, *, uow, now: datetime) -> ConsoleSession | None:
    """{"token_hash", "staff"}: intake's current roles and name on the
    session; a member no longer active loses the session (None)."""
    record = uow.session.get(ConsoleSession, command["token_hash"])
    if record is None:
        return None
    staff = command["staff"]
    if staff is None or not staff.get("active"):
        uow.session.delete(record)
        return None
    record.roles = list(staff.get("roles") or [])
    record.name = staff["name"]
    record.roles_checked_at = now
    return record


def end_session(command: dict, *, uow, now: datetime) -> None:
    """{"token"}: signing out deletes the session; the cookie alone is worthless."""
    token = command.get("token")
    if token:
        uow.session.execute(
            sa.delete(ConsoleSession).where(ConsoleSession.token_hash == token_hash(token))
        )


def set_flash(command: dict, *, uow, now: datetime) -> None:
    """{"token_hash", "flash": {"kind", "text", "fields"?}}: one message for the next page."""
    record = uow.session.get(ConsoleSession, command["token_hash"])
    if record is not None:
        record.flash = command["flash"]


def pop_flash(command: dict, *, uow, now: datetime) -> dict | None:
    record = uow.session.get(ConsoleSession, command["token_hash"])
    if record is None or not record.flash:
        return None
    flash, record.flash = record.flash, None
    return flash


def prune(command: dict, *, uow, now: datetime, limit: domain.SignInLimit) -> None:
    """Forget expired sessions and attempts older than the rate limit's window."""
    uow.session.execute(sa.delete(ConsoleSession).where(ConsoleSession.expires_at <= now))
    uow.session.execute(sa.delete(SignInAttempt).where(SignInAttempt.at < now - limit.window))
