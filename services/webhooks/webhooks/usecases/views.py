"""How subscriptions and deliveries are shown (never a secret, never a body)."""

from __future__ import annotations

from datetime import datetime

from ..models import Delivery, Subscription


def _instant(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def subscription_view(subscription: Subscription, event_types) -> dict:
    return {
        "id": subscription.id,
        "name": subscription.name,
        "url": subscription.url,
        "event_types": sorted(event_types),
        "active": subscription.active,
        "created_at": _instant(subscription.created_at),
        "removed_at": _instant(subscription.removed_at),
    }


def delivery_view(delivery: Delivery) -> dict:
    return {
        "id": delivery.id,
        "subscription_id": delivery.subscription_id,
        "event_id": delivery.event_id,
        "event_type": delivery.event_type,
        "producer": delivery.producer,
        "correlation_id": delivery.correlation_id,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "next_attempt_at": _instant(delivery.next_attempt_at)
        if delivery.status == "pending"
        else None,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "created_at": _instant(delivery.created_at),
        "delivered_at": _instant(delivery.delivered_at),
        "parked_at": _instant(delivery.parked_at),
        "replays": delivery.replays,
        "replayed_at": _instant(delivery.replayed_at),
    }
