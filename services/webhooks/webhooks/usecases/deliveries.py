"""Deliveries: one per event and matching subscription, written with the
event's inbox record; listed and replayed by ops."""

from __future__ import annotations

import json
import uuid

import sqlalchemy as sa

from rueda_backbone.cloud_events import to_structured

from .. import domain
from ..exceptions import DeliveryNotFound, ReplayRefused
from ..models import Delivery, SubscribedEventType, Subscription
from .views import delivery_view


def new_webhook_id() -> str:
    """A delivery's id, sent as `webhook-id` on every try."""
    return f"msg_{uuid.uuid4().hex}"


def body_of(envelope) -> str:
    """The request body: the event as a structured-mode CloudEvent."""
    return json.dumps(to_structured(envelope), separators=(",", ":"), ensure_ascii=False)


_SUBSCRIBERS = (
    sa.select(Subscription.id)
    .join(SubscribedEventType, SubscribedEventType.subscription_id == Subscription.id)
    .where(
        SubscribedEventType.event_type == sa.bindparam("event_type"),
        Subscription.active.is_(True),
    )
    .order_by(Subscription.id)
)


def _subscribers(session, event_type: str) -> list[str]:
    """The active subscriptions to an event type, read once per transaction:
    a batch holds events of one queue, so of one type, and they all ask."""
    known = session.info.setdefault("webhooks.subscribers", {})
    if event_type not in known:
        known[event_type] = list(session.scalars(_SUBSCRIBERS, {"event_type": event_type}))
    return known[event_type]


def record_event(message, *, uow, now, event) -> list[str]:
    """An event arrived: one delivery for each active subscription to its type
    (`event` is the envelope, `message` its payload as the reader loaded it).
    Runs once per event (the inbox record is in this transaction)."""
    subscription_ids = _subscribers(uow.session, event.event_type)
    if not subscription_ids:
        return []
    body = body_of(event)
    created = []
    for subscription_id in subscription_ids:
        delivery = Delivery(
            id=new_webhook_id(),
            subscription_id=subscription_id,
            event_id=event.event_id,
            event_type=event.event_type,
            producer=event.producer,
            correlation_id=event.correlation_id,
            body=body,
            status=domain.PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
            replays=0,
        )
        uow.session.add(delivery)
        created.append(delivery.id)
    return created


def list_deliveries(command, *, uow, now) -> dict:
    query = (
        sa.select(Delivery)
        .order_by(Delivery.created_at.desc(), Delivery.id)
        .limit(command.get("limit", 100))
    )
    for column, key in (
        (Delivery.status, "status"),
        (Delivery.subscription_id, "subscription_id"),
        (Delivery.event_type, "event_type"),
    ):
        if command.get(key):
            query = query.where(column == command[key])
    return {"deliveries": [delivery_view(d) for d in uow.session.scalars(query)]}


def _delivery(session, delivery_id) -> Delivery:
    delivery = session.get(Delivery, delivery_id)
    if delivery is None:
        raise DeliveryNotFound(delivery_id)
    return delivery


def get_delivery(command, *, uow, now) -> dict:
    return delivery_view(_delivery(uow.session, command["delivery_id"]))


def replay_delivery(command, *, uow, now) -> dict:
    """Send a parked (or delivered) delivery again, once more through the
    whole retry schedule, with the same webhook-id and body."""
    delivery = _delivery(uow.session, command["delivery_id"])
    if delivery.status == domain.PENDING:
        raise ReplayRefused(
            f"delivery {delivery.id} is still on its way (attempt {delivery.attempts + 1} is due)"
        )
    subscription = uow.session.get(Subscription, delivery.subscription_id)
    if not subscription.active:
        raise ReplayRefused(f"subscription {subscription.id} was removed")
    delivery.status = domain.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = now
    delivery.parked_at = None
    delivery.claimed_by = None
    delivery.claimed_until = None
    delivery.replays += 1
    delivery.replayed_at = now
    return delivery_view(delivery)
