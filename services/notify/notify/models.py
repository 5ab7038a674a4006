"""notify's tables: the recipients directory and the outbox of emails."""
from __future__ import annotations

import sqlalchemy as sa
from rueda_backbone.tables import UtcDateTime
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Recipient(Base):
    """A delegate notify may write to; the only place email addresses live besides intake."""

    __tablename__ = "recipient"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)  # intake's delegate id
    delegation_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(320))
    language: Mapped[str] = mapped_column(sa.String(2))
    is_focal_point: Mapped[bool] = mapped_column(sa.Boolean)


class Email(Base):
    """One email to one recipient for one event: written in the handler's
    transaction, delivered by the sender, never twice (`dedup_key`)."""

    __tablename__ = "email"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    dedup_key: Mapped[str] = mapped_column(sa.String(300), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(50))
    recipient_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    to_address: Mapped[str] = mapped_column(sa.String(320))
    language: Mapped[str] = mapped_column(sa.String(2))
    subject: Mapped[str] = mapped_column(sa.String(200))
    text_body: Mapped[str] = mapped_column(sa.Text)
    html_body: Mapped[str] = mapped_column(sa.Text)
    correlation_id: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(16), index=True)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    next_attempt_at = mapped_column(UtcDateTime(), nullable=False)
    claimed_until = mapped_column(UtcDateTime())
    created_at = mapped_column(UtcDateTime(), nullable=False)
    sent_at = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(sa.Text)
