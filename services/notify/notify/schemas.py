"""What notify accepts over HTTP: the opt-outs body and the delivery log's
query. notify publishes no events (it only consumes them and sends email), so
there is no `PUBLISHED` table here."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from . import domain


class OptOutsBody(Schema):
    categories = fields.List(fields.String(validate=validate.OneOf(domain.OPTIONAL_CATEGORIES)),
                             required=True)


class DeliveryQuery(Schema):
    status = fields.String(validate=validate.OneOf(domain.STATUSES))
    kind = fields.String(validate=validate.OneOf(domain.KINDS))
    recipient_id = fields.String(validate=validate.Length(max=64))
    correlation_id = fields.String(validate=validate.Length(max=64))
    since = fields.AwareDateTime()
    until = fields.AwareDateTime()
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
