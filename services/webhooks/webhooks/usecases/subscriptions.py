"""Subscriptions: an outside system's URL, the event types it wants, its secret."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from .. import domain, signing
from ..exceptions import SubscriptionNotFound, UrlRefused
from ..models import SubscribedEventType, Subscription
from .views import subscription_view


def _types_of(session, subscription_ids) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {i: [] for i in subscription_ids}
    if found:
        for row in session.scalars(
            sa.select(SubscribedEventType).where(
                SubscribedEventType.subscription_id.in_(list(found))
            )
        ):
            found[row.subscription_id].append(row.event_type)
    return found


def create_subscription(command, *, uow, now, settings) -> dict:
    """Register a receiver; the answer carries its signing secret, shown only here."""
    refusal = domain.url_refusal(
        command["url"],
        resolve=settings.resolve,
        allow_private=settings.allow_private_urls,
        require_https=settings.require_https,
    )
    if refusal:
        raise UrlRefused(refusal)
    subscription = Subscription(
        id=str(uuid.uuid4()),
        name=command["name"],
        url=command["url"],
        secret=signing.new_secret(),
        active=True,
        created_at=now,
    )
    uow.session.add(subscription)
    uow.session.flush()  # the row its event types refer to goes first
    for event_type in command["event_types"]:
        uow.session.add(SubscribedEventType(subscription_id=subscription.id, event_type=event_type))
    return {
        **subscription_view(subscription, command["event_types"]),
        "secret": subscription.secret,
    }


def list_subscriptions(command, *, uow, now) -> dict:
    query = sa.select(Subscription).order_by(Subscription.created_at, Subscription.id)
    if not command.get("all"):
        query = query.where(Subscription.active.is_(True))
    subscriptions = list(uow.session.scalars(query))
    types = _types_of(uow.session, [s.id for s in subscriptions])
    return {"subscriptions": [subscription_view(s, types[s.id]) for s in subscriptions]}


def _subscription(session, subscription_id) -> Subscription:
    subscription = session.get(Subscription, subscription_id)
    if subscription is None:
        raise SubscriptionNotFound(subscription_id)
    return subscription


def get_subscription(command, *, uow, now) -> dict:
    subscription = _subscription(uow.session, command["subscription_id"])
    return subscription_view(
        subscription, _types_of(uow.session, [subscription.id])[subscription.id]
    )


def remove_subscription(command, *, uow, now) -> dict:
    """Stop sending: no new deliveries; pending ones are parked by the sender
    ("subscription removed"). The row and its deliveries stay for the record."""
    subscription = _subscription(uow.session, command["subscription_id"])
    if subscription.active:
        subscription.active = False
        subscription.removed_at = now
    return subscription_view(
        subscription, _types_of(uow.session, [subscription.id])[subscription.id]
    )


def list_event_types(command, *, uow, now) -> dict:
    return {
        "event_types": [
            {"event_type": t, "producer": domain.PRODUCER_OF[t]} for t in domain.EVENT_TYPES
        ]
    }
