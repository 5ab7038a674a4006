"""webhooks' HTTP API as an OpenAPI 3.1 document, generated from the
marshmallow schemas the entrypoints load (`GET /openapi.json`, committed as
docs/api/webhooks.openapi.json; a test keeps the two equal).

`python -m webhooks.api` rewrites the committed copy.
"""

from __future__ import annotations

from pathlib import Path

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema, fields, validate

from rueda_backbone import openapi as oas

from . import domain, schemas

VERSION = "0.1.0"
DOCUMENT = Path(__file__).resolve().parents[3] / "docs" / "api" / "webhooks.openapi.json"

Nullable = lambda cls, **kw: cls(required=True, allow_none=True, **kw)  # noqa: E731


# -- what the entrypoints answer (documentation only: the use cases build dicts) --


class EventTypeView(Schema):
    event_type = fields.String(required=True, validate=validate.OneOf(domain.EVENT_TYPES))
    producer = fields.String(required=True)


class EventTypesView(Schema):
    event_types = fields.List(fields.Nested(EventTypeView), required=True)


class SubscriptionView(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    url = fields.String(required=True)
    event_types = fields.List(
        fields.String(validate=validate.OneOf(domain.EVENT_TYPES)), required=True
    )
    active = fields.Boolean(required=True)
    created_at = fields.AwareDateTime(required=True)
    removed_at = Nullable(fields.AwareDateTime)


class NewSubscriptionView(SubscriptionView):
    secret = fields.String(
        required=True,
        metadata={
            "description": "`whsec_` + base64: the key every delivery is signed with "
            "(Standard Webhooks). Shown in this answer only: store it now"
        },
    )


class SubscriptionsView(Schema):
    subscriptions = fields.List(fields.Nested(SubscriptionView), required=True)


class DeliveryView(Schema):
    id = fields.String(
        required=True, metadata={"description": "the webhook-id header of every try and replay"}
    )
    subscription_id = fields.String(required=True)
    event_id = fields.String(required=True)
    event_type = fields.String(required=True)
    producer = fields.String(required=True)
    correlation_id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(domain.STATUSES))
    attempts = fields.Integer(
        required=True, metadata={"description": "tries since it was created or last replayed"}
    )
    next_attempt_at = Nullable(fields.AwareDateTime, metadata={"description": "when pending"})
    last_status_code = Nullable(fields.Integer)
    last_error = Nullable(
        fields.String,
        metadata={"description": "why the last try failed; parked: why it was given up"},
    )
    created_at = fields.AwareDateTime(required=True)
    delivered_at = Nullable(fields.AwareDateTime)
    parked_at = Nullable(fields.AwareDateTime)
    replays = fields.Integer(required=True)
    replayed_at = Nullable(fields.AwareDateTime)


class DeliveriesView(Schema):
    deliveries = fields.List(
        fields.Nested(DeliveryView),
        required=True,
        metadata={"description": "newest first; no bodies"},
    )


def _operations() -> dict:
    one = "/subscriptions/{subscription_id}"
    delivery = "/deliveries/{delivery_id}"
    return {
        ("GET", "/event-types"): oas.operation(
            "list_event_types",
            "The event types a subscription may ask for",
            path="/event-types",
            response=EventTypesView,
        ),
        ("POST", "/subscriptions"): oas.operation(
            "create_subscription",
            "Register a receiver's URL; the answer holds its secret",
            path="/subscriptions",
            status=201,
            request=schemas.SubscriptionForm,
            response=NewSubscriptionView,
            description="The URL must be https on a public address (loopback, private and "
            "link-local networks are refused with `url_refused`).",
        ),
        ("GET", "/subscriptions"): oas.operation(
            "list_subscriptions",
            "Every subscription (no secrets)",
            path="/subscriptions",
            query=schemas.SubscriptionListQuery,
            response=SubscriptionsView,
        ),
        ("GET", one): oas.operation(
            "get_subscription", "One subscription (no secret)", path=one, response=SubscriptionView
        ),
        ("DELETE", one): oas.operation(
            "remove_subscription",
            "Stop sending to it; its pending deliveries are parked",
            path=one,
            response=SubscriptionView,
        ),
        ("GET", "/deliveries"): oas.operation(
            "list_deliveries",
            "What was delivered, is pending or was parked",
            path="/deliveries",
            query=schemas.DeliveryQuery,
            response=DeliveriesView,
        ),
        ("GET", delivery): oas.operation(
            "get_delivery", "One delivery", path=delivery, response=DeliveryView
        ),
        ("POST", delivery + "/replay"): oas.operation(
            "replay_delivery",
            "Send a parked or delivered delivery again",
            path=delivery + "/replay",
            status=202,
            response=DeliveryView,
            errors=(409,),
            description="Same webhook-id and body, a fresh retry schedule; 409 while it "
            "is still pending or when its subscription was removed.",
        ),
    }


def openapi() -> dict:
    spec = APISpec(
        title="rueda webhooks",
        version=VERSION,
        openapi_version="3.1.0",
        plugins=[MarshmallowPlugin()],
        info={
            "description": (
                "Posts the suite's events to outside systems that do not speak AMQP, signed "
                "in the Standard Webhooks format (webhook-id, webhook-timestamp, "
                "webhook-signature), as structured CloudEvents; failed deliveries are retried "
                "with exponential backoff, parked after the last try, and replayed by ops. "
                "Errors are JSON with a stable code and the path of every invalid field."
            )
        },
        servers=[{"url": "http://127.0.0.1:8006"}],
    )
    from .service import WebhooksService  # the entrypoints declare each operation's scope

    # states each scope and the HTTP layer's rules (the Idempotency-Key's shape among them)
    return oas.apply_scopes(oas.document(spec, _operations()), WebhooksService)


def write(path: Path = DOCUMENT) -> None:
    oas.write(openapi(), path)


if __name__ == "__main__":
    write()
