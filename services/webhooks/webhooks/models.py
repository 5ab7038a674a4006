"""webhooks' own tables: the subscriptions outside systems registered and the
deliveries, its outbox toward their URLs (one row per event and subscription,
written in the transaction that records the event in the inbox)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from rueda_backbone.tables import UtcDateTime


class Base(DeclarativeBase):
    pass


class Subscription(Base):
    """An outside system's URL and what it wants posted there. The secret
    signs every delivery; it is shown once, when the subscription is made."""

    __tablename__ = "subscription"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    url: Mapped[str] = mapped_column(sa.String(2000))
    secret: Mapped[str] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    removed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class SubscribedEventType(Base):
    """One event type a subscription wants: the index the use case matches on."""

    __tablename__ = "subscribed_event_type"

    subscription_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("subscription.id", ondelete="CASCADE"), primary_key=True
    )
    event_type: Mapped[str] = mapped_column(sa.String(100), primary_key=True, index=True)


class Delivery(Base):
    """One event for one subscription. `id` is the `webhook-id` of every try
    and replay (the receiver drops a copy it already has); `body` is fixed
    when the event arrives, so every try posts the same bytes."""

    __tablename__ = "delivery"
    __table_args__ = (
        # the inbox already keeps an event to one pass; this keeps it to one row too
        sa.UniqueConstraint("subscription_id", "event_id", name="uq_delivery_event"),
        sa.Index("ix_delivery_due", "status", "next_attempt_at"),
    )

    id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    subscription_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("subscription.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[str] = mapped_column(sa.String(64))
    event_type: Mapped[str] = mapped_column(sa.String(100))
    producer: Mapped[str] = mapped_column(sa.String(64))
    correlation_id: Mapped[str] = mapped_column(sa.String(64))
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(20))
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    last_status_code: Mapped[int | None] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    parked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    replays: Mapped[int] = mapped_column(sa.Integer, default=0)
    replayed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    claimed_by: Mapped[str | None] = mapped_column(sa.String(100))
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
