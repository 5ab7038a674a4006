"""What matching accepts over HTTP and what it publishes (event payloads).

The published schemas are the producer's contract: docs/events/ holds their
JSON Schemas and examples, and contract tests load every example through them.
"""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from rueda_backbone import Published

Positive = lambda **kw: fields.Integer(strict=True, validate=validate.Range(min=1), **kw)  # noqa: E731


class Form(Schema):
    class Meta:
        # a misspelt field must be reported, not silently ignored
        unknown = RAISE


class PinForm(Form):
    session = Positive(required=True)
    table = Positive(load_default=None, allow_none=True)


class RequestedPin(PinForm):
    program_id = fields.String(required=True, validate=validate.Length(min=1, max=36))


class ScheduleRequest(Form):
    time_limit = fields.Float(validate=validate.Range(min=0.1, max=3600))
    pins = fields.List(fields.Nested(RequestedPin), load_default=list)


class PublishRequest(Form):
    schedule_id = fields.String(load_default=None, allow_none=True)


# stateless, so built once rather than per request
PIN_FORM = PinForm()
SCHEDULE_REQUEST = ScheduleRequest()
PUBLISH_REQUEST = PublishRequest()


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
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    program_id = fields.String(required=True)
    program_title = fields.String(required=True)
    host_delegation_id = fields.String(required=True)
    attendee_delegation_ids = fields.List(fields.String(), required=True)


class Unmet(Schema):
    delegation_id = fields.String(required=True)
    program_id = fields.String(required=True)
    reason_code = fields.String(required=True)
    reason = fields.String(required=True)


class ChangeItem(Schema):
    change = fields.String(required=True, validate=validate.OneOf(
        ["added", "removed", "moved", "attendees_changed"]))
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
    published_at = fields.AwareDateTime(required=True)
    delegations = fields.List(fields.Nested(ScheduledDelegation), required=True)
    rounds = fields.List(fields.Nested(Round), required=True)
    unmet = fields.List(fields.Nested(Unmet), required=True)
    changes = fields.List(fields.Nested(DelegationChanges), required=True)


PUBLISHED = Published({
    ("schedule_published", 1): SchedulePublished,
})
