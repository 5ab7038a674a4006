"""What matching accepts over HTTP and what it publishes (event payloads).

The published schemas are the producer's contract: docs/events/ holds their
JSON Schemas and examples, and contract tests load every example through them.
"""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from rueda_backbone import Published
from rueda_backbone.fields import AwareDateTime, InputSchema, Text

# a bound keeps every value a database integer (SQLite refuses more than 2**63)
Positive = lambda **kw: fields.Integer(strict=True, validate=validate.Range(min=1, max=10**6), **kw)  # noqa: E731


class PinForm(InputSchema):
    session = Positive(required=True)
    table = Positive(load_default=None, allow_none=True)


class RequestedPin(PinForm):
    program_id = fields.String(required=True, validate=validate.Length(min=1, max=36))


class ScheduleRequest(InputSchema):
    time_limit = fields.Float(validate=validate.Range(min=0.1, max=3600))
    pins = fields.List(fields.Nested(RequestedPin), load_default=list)


class PublishRequest(InputSchema):
    schedule_id = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(min=1, max=36)
    )


class ReplanningForm(InputSchema):
    autopublish = fields.Boolean(
        required=True,
        allow_none=True,
        metadata={
            "description": "true: a re-plan after a withdrawal publishes on its own when it "
            "changes anything; false: it stays provisional until a coordinator "
            "publishes it; null: the service's REPLAN_AUTOPUBLISH"
        },
    )


class FairnessPolicy(fields.Field):
    """`"total"` or `{"price": p}` with 0 <= p <= 1 (null: back to the default)."""

    default_error_messages = {"invalid": 'must be "total" or {"price": a number from 0 to 1}'}

    def _deserialize(self, value, attr, data, **kwargs):
        if value == "total":
            return "total"
        if isinstance(value, dict) and set(value) == {"price"}:
            price = value["price"]
            if isinstance(price, (int, float)) and not isinstance(price, bool) and 0 <= price <= 1:
                return {"price": float(price)}
        raise ValidationError(self.error_messages["invalid"])

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class FairnessForm(InputSchema):
    fairness = FairnessPolicy(
        required=True,
        allow_none=True,
        metadata={
            "description": '"total" (the most weight; fairness only breaks ties) or '
            '{"price": p}: the most weight Z, then the best worst share among '
            "schedules of weight >= (1 - p) Z, then the most weight with that "
            'share held. null goes back to the default {"price": 0.05}.',
            "oneOf": [
                {"type": "string", "enum": ["total"]},
                {
                    "type": "object",
                    "required": ["price"],
                    "additionalProperties": False,
                    "properties": {"price": {"type": "number", "minimum": 0, "maximum": 1}},
                },
                {"type": "null"},
            ],
        },
    )


# stateless, so built once rather than per request
PIN_FORM = PinForm()
SCHEDULE_REQUEST = ScheduleRequest()
PUBLISH_REQUEST = PublishRequest()
FAIRNESS_FORM = FairnessForm()
REPLANNING_FORM = ReplanningForm()


# -- published events (payload schemas) ------------------------------------------


class Place(Schema):
    session = fields.Integer(required=True)
    table = fields.Integer(required=True)


class ScheduledDelegation(Schema):
    delegation_id = fields.String(required=True)
    name = fields.String(required=True)


class Round(Schema):
    round_id = fields.String(required=True)
    session = fields.Integer(required=True)
    table = fields.Integer(required=True)
    starts_at = AwareDateTime(required=True)
    ends_at = AwareDateTime(required=True)
    program_id = fields.String(required=True)
    program_title = fields.String(required=True)
    host_delegation_id = fields.String(required=True)
    attendee_delegation_ids = fields.List(fields.String(), required=True)


class Unmet(Schema):
    delegation_id = fields.String(required=True)
    program_id = fields.String(required=True)
    reason_code = fields.String(required=True)
    reason = Text(required=True)


class ChangeItem(Schema):
    change = fields.String(
        required=True, validate=validate.OneOf(["added", "removed", "moved", "attendees_changed"])
    )
    round_id = fields.String(required=True)
    program_id = fields.String(required=True)
    before = fields.Nested(Place, required=True, allow_none=True)
    after = fields.Nested(Place, required=True, allow_none=True)


class DelegationChanges(Schema):
    delegation_id = fields.String(required=True)
    items = fields.List(fields.Nested(ChangeItem), required=True)


class SchedulePublished(Schema):
    """schedule_published v1: a revision of a workshop's negotiation rounds."""

    workshop_id = fields.String(required=True)
    schedule_id = fields.String(required=True)
    revision = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["optimal", "feasible"]))
    objective = fields.Integer(required=True)
    bound = fields.Integer(required=True)
    published_at = AwareDateTime(required=True)
    delegations = fields.List(fields.Nested(ScheduledDelegation), required=True)
    rounds = fields.List(fields.Nested(Round), required=True)
    unmet = fields.List(fields.Nested(Unmet), required=True)
    changes = fields.List(fields.Nested(DelegationChanges), required=True)


class Attendee(Schema):
    delegation_id = fields.String(required=True)
    delegate_id = fields.String(required=True, allow_none=True)


class RoundV2(Round):
    """A round with its people: the host's presenting delegate and, per
    attending delegation (in `attendee_delegation_ids` order), the delegate at
    the table; null when nobody is named (a delegation registered without its
    people)."""

    presenter_delegate_id = fields.String(required=True, allow_none=True)
    attendees = fields.List(fields.Nested(Attendee), required=True)


class Policy(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["total", "price"]))
    price = fields.Float(required=True, allow_none=True)


class Share(Schema):
    delegation_id = fields.String(required=True)
    share = fields.Float(required=True)


class Fairness(Schema):
    policy = fields.Nested(Policy, required=True)
    worst_share = fields.Float(required=True, allow_none=True)
    below_half = fields.Integer(required=True)
    best_total = fields.Integer(required=True, allow_none=True)
    best_total_bound = fields.Integer(required=True, allow_none=True)
    shares = fields.List(fields.Nested(Share), required=True)


class Interpretation(Schema):
    session = fields.Integer(required=True)
    languages = fields.List(fields.String(), required=True)
    round_ids = fields.List(fields.String(), required=True)


class SchedulePublishedV2(SchedulePublished):
    """schedule_published v2: v1 plus who presents and who attends each round,
    what fairness cost and the tables that need interpretation."""

    rounds = fields.List(fields.Nested(RoundV2), required=True)
    fairness = fields.Nested(Fairness, required=True)
    interpretation = fields.List(fields.Nested(Interpretation), required=True)


PUBLISHED = Published(
    {
        ("schedule_published", 1): SchedulePublished,
        ("schedule_published", 2): SchedulePublishedV2,
    },
    retired={
        # superseded by v2 (same fields plus people); documented for consumers
        # that may still hold v1 messages
        ("schedule_published", 1),
    },
)
