"""The console's own tables: only what is its own (who may sign in and how,
their sessions, their preferences, and the sign-in attempts that rate-limit
guessing). Everything a page shows lives in the other services and is read
through their HTTP APIs. The backbone's tables sit beside these."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from rueda_backbone.tables import UtcDateTime


class Base(DeclarativeBase):
    pass


class SignInRecord(Base):
    """How a staff member of intake's registry signs in: a login (their
    email address, as they type it) and an Argon2id hash of their password."""

    __tablename__ = "sign_in_record"

    staff_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    login: Mapped[str] = mapped_column(sa.String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    created_at = mapped_column(UtcDateTime(), nullable=False)
    updated_at = mapped_column(UtcDateTime(), nullable=False)
    last_signed_in_at = mapped_column(UtcDateTime())


class ConsoleSession(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256
    is stored, so a copy of this table signs nobody in."""

    __tablename__ = "console_session"

    token_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    staff_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    roles: Mapped[list] = mapped_column(sa.JSON)
    language: Mapped[str] = mapped_column(sa.String(2))
    csrf_token: Mapped[str] = mapped_column(sa.String(64))
    address: Mapped[str | None] = mapped_column(sa.String(64))
    created_at = mapped_column(UtcDateTime(), nullable=False)
    last_seen_at = mapped_column(UtcDateTime(), nullable=False)
    expires_at = mapped_column(UtcDateTime(), nullable=False, index=True)
    roles_checked_at = mapped_column(UtcDateTime(), nullable=False)
    # one message for the next page ("Program accepted"), then cleared
    flash: Mapped[dict | None] = mapped_column(sa.JSON)


class Preference(Base):
    """A staff member's choices that outlive a session (their language)."""

    __tablename__ = "preference"

    staff_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    language: Mapped[str | None] = mapped_column(sa.String(2))
    updated_at = mapped_column(UtcDateTime(), nullable=False)


class SignInAttempt(Base):
    """One try at signing in, kept for the rate limit's window (and pruned after)."""

    __tablename__ = "sign_in_attempt"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    login: Mapped[str] = mapped_column(sa.String(320), index=True)
    address: Mapped[str] = mapped_column(sa.String(64), index=True)
    succeeded: Mapped[bool] = mapped_column(sa.Boolean)
    at = mapped_column(UtcDateTime(), nullable=False, index=True)
