"""What webhooks accepts over HTTP (request schemas refuse unknown fields)
and what it publishes: nothing, its deliveries leave over HTTP."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates

from rueda_backbone import Published
from rueda_backbone.fields import InputSchema

from . import domain

PUBLISHED = Published({})

NAME = r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}\Z"
SUBSCRIPTION_ID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z"


class SubscriptionForm(InputSchema):
    name = fields.String(
        required=True,
        validate=validate.Regexp(
            NAME, error=("1-100 letters, digits, spaces, dots, dashes or underscores")
        ),
        metadata={"description": "the outside system, as ops call it (e.g. funder-grants)"},
    )
    url = fields.String(
        required=True,
        validate=validate.Length(min=1, max=domain.MAX_URL_LENGTH),
        metadata={"description": "where deliveries are POSTed: https, on a public address"},
    )
    event_types = fields.List(
        fields.String(validate=validate.OneOf(domain.EVENT_TYPES)),
        required=True,
        validate=validate.Length(min=1),
        metadata={"description": "what to send there"},
    )

    @validates("event_types")
    def _distinct(self, value, **kwargs):
        if len(set(value)) != len(value):
            raise ValidationError("each event type once")


class DeliveryQuery(InputSchema):
    status = fields.String(validate=validate.OneOf(domain.STATUSES))
    # a subscription's id, as the service makes them: its shape is in the document,
    # so no generated or hand-written filter meets a refusal the document hides
    subscription_id = fields.String(
        validate=validate.Regexp(SUBSCRIPTION_ID, error=("a subscription id (a lower-case UUID)"))
    )
    event_type = fields.String(validate=validate.OneOf(domain.EVENT_TYPES))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class SubscriptionListQuery(InputSchema):
    all = fields.String(
        validate=validate.OneOf(["true", "false"]),
        load_default="false",
        metadata={"description": "true: removed subscriptions too"},
    )


SUBSCRIPTION_FORM = SubscriptionForm()
SUBSCRIPTION_LIST_QUERY = SubscriptionListQuery()
DELIVERY_QUERY = DeliveryQuery()
