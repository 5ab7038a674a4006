"""What notify accepts over HTTP: the opt-outs body and the delivery log's
query. notify publishes no events (it only consumes them and sends email), so
there is no `PUBLISHED` table here."""

from __future__ import annotations

from marshmallow import fields, validate

from rueda_backbone import fields as policy
from rueda_backbone.fields import InputSchema

from . import domain

# the scope an API key needs to see full addresses in the delivery log
ADDRESSES_SCOPE = "notify:addresses"
# the scope an API key needs to send a failed email again (the staff console's
# key has it without notify:write, which also changes people's opt-outs)
RESEND_SCOPE = "notify:deliveries:resend"


# what the input policy refuses, stated in the document (JSON Schema cannot
# bound a date-time, so a pattern on the year; the server's bound is on the
# instant in UTC, 1900..2199)
_INSTANT = {
    "pattern": r"^(190[1-9]|19[1-9]\d|20\d\d|21[0-8]\d|219[0-8])-",
    "description": "ISO 8601 with its offset, between 1900 and 2199",
}
_NO_CONTROLS = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
_ONE_LINE = {
    "pattern": r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029]*$",
    "description": "one line, no control characters",
}


class OptOutsBody(InputSchema):
    categories = fields.List(
        fields.String(validate=validate.OneOf(domain.OPTIONAL_CATEGORIES)), required=True
    )


class DeliveryQuery(InputSchema):
    status = fields.String(validate=validate.OneOf(domain.STATUSES))
    kind = fields.String(validate=validate.OneOf(domain.KINDS))
    recipient_id = fields.String(validate=validate.Length(max=64), metadata=_ONE_LINE)
    correlation_id = fields.String(validate=validate.Length(max=64), metadata=_ONE_LINE)
    since = policy.AwareDateTime(metadata=_INSTANT)
    until = policy.AwareDateTime(metadata=_INSTANT)
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    # addresses are masked (a***@example.org) unless asked for by a key
    # holding ADDRESSES_SCOPE (403 otherwise)
    show_addresses = fields.Boolean(
        load_default=False,
        metadata={
            "description": "show each email's full address instead of a masked one "
            f"(a***@example.org); needs the scope `{ADDRESSES_SCOPE}`"
        },
    )


class ResendBody(InputSchema):
    note = policy.Text(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=500),
        metadata={
            "description": "why it is resent, for the delivery log (no control characters)",
            "pattern": _NO_CONTROLS,
        },
    )
