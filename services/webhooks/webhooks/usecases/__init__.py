"""webhooks' use cases: `(message_or_command, *, uow, now)` functions."""

from .deliveries import get_delivery, list_deliveries, record_event, replay_delivery
from .subscriptions import (
    create_subscription,
    get_subscription,
    list_event_types,
    list_subscriptions,
    remove_subscription,
)

__all__ = [
    "create_subscription",
    "get_delivery",
    "get_subscription",
    "list_deliveries",
    "list_event_types",
    "list_subscriptions",
    "record_event",
    "remove_subscription",
    "replay_delivery",
]
