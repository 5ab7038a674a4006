"""Tolerant readers of the events followup consumes: only the fields it uses,
unknown ones ignored, so producers can add fields without breaking it.

Besides intake's and matching's events, followup reads the counterparts'
status updates other systems publish on `portal.events`
(`activity_update_submitted`), with the same rules as the HTTP body.

`READERS` holds, per event, a reader of what every documented schema version
carries; `BY_VERSION` a richer reader for a newer version, chosen by the
envelope's `schema_version` (`read`)."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, post_load
from rueda_backbone.envelope import reader_for

from . import schemas

# other systems (the network's portal and its peers) publish here, as they do
# for intake's forms
PORTAL = "portal"


class Reader(Schema):
    class Meta:
        unknown = EXCLUDE


def Optional(field_class, *args, default=None, **kwargs):  # noqa: N802 - reads like a field
    return field_class(*args, load_default=default, allow_none=True, **kwargs)


class WorkshopPublished(Reader):
    workshop_id = fields.String(required=True)
    version = fields.Integer(required=True)
    title = Optional(fields.String)
    time_zone = Optional(fields.String)


class DelegateRef(Reader):
    delegate_id = fields.String(required=True)
    is_focal_point = fields.Boolean(load_default=False)


class DelegationRegistered(Reader):
    delegation_id = fields.String(required=True)
    institution = fields.String(required=True)
    acronym = fields.String(allow_none=True, load_default=None)
    country = fields.String(required=True)
    kind = fields.String(required=True)
    delegates = fields.List(fields.Nested(DelegateRef), required=True)
    registered_at = fields.AwareDateTime(required=True)


class DelegationRegisteredV2(DelegationRegistered):
    workshop_id = fields.String(required=True)
    version = fields.Integer(required=True)


class DelegationWithdrawn(Reader):
    delegation_id = fields.String(required=True)
    version = fields.Integer(required=True)
    workshop_id = Optional(fields.String)


class ProgramSubmitted(Reader):
    program_id = fields.String(required=True)
    delegation_id = fields.String(required=True)
    title = fields.String(required=True)
    topics = fields.List(fields.String(), load_default=list)
    version = fields.Integer(required=True)


class ProgramSubmittedV2(ProgramSubmitted):
    workshop_id = fields.String(required=True)
    country = Optional(fields.String)


class StaffMemberRegistered(Reader):
    staff_id = fields.String(required=True)
    name = fields.String(required=True)
    roles = fields.List(fields.String(), load_default=list)
    active = fields.Boolean(load_default=True)
    version = fields.Integer(required=True)


class RoundRef(Reader):
    session = fields.Integer(required=True)
    table = fields.Integer(required=True)
    program_id = Optional(fields.String)


class ExpressionOfInterestSubmitted(Reader):
    expression_id = fields.String(required=True)
    workshop_id = fields.String(required=True)
    version = fields.Integer(required=True)
    demanding_delegation_id = fields.String(required=True)
    supplying_delegation_ids = fields.List(fields.String(), load_default=list)
    program_id = Optional(fields.String)
    topic = Optional(fields.String)
    # kept even when a value is new to followup: reports count what was signed
    activity_types = fields.List(fields.String(), load_default=list)
    mechanism = Optional(fields.String)
    focus = Optional(fields.String)
    description = Optional(fields.String)
    contact_delegate_ids = fields.List(fields.String(), load_default=list)
    round = Optional(fields.Nested, RoundRef)
    submitted_at = fields.AwareDateTime(required=True)


class ExpressionOfInterestWithdrawn(Reader):
    expression_id = fields.String(required=True)
    workshop_id = fields.String(required=True)
    version = fields.Integer(required=True)
    withdrawn_at = fields.AwareDateTime(required=True)


class ScheduledRound(Reader):
    round_id = fields.String(required=True)
    session = fields.Integer(required=True)
    table = fields.Integer(required=True)
    program_id = Optional(fields.String)
    starts_at = Optional(fields.AwareDateTime)


class SchedulePublished(Reader):
    workshop_id = fields.String(required=True)
    revision = fields.Integer(required=True)
    rounds = fields.List(fields.Nested(ScheduledRound), load_default=list)


class ActivityUpdateSubmitted(schemas.CounterpartUpdateForm):
    """A counterpart's status update sent as an event: the HTTP body of
    `POST /activities/{id}/updates` (same rules), plus the activity it is
    about, the sender's id for the update and when it was written."""

    class Meta:
        unknown = EXCLUDE
        # staff name themselves with `by`; an update's author is its delegation
        exclude = ("by",)

    update_id = fields.UUID(required=True)
    activity_id = schemas.Id(required=True)
    delegate_id = schemas.Id(allow_none=True, load_default=None)
    submitted_at = fields.AwareDateTime(required=True)

    @post_load
    def _update_id_as_stored(self, data, **_kwargs):
        # validated as a UUID, kept in the form the column and the docs use
        data["update_id"] = str(data["update_id"])
        return data


READERS = {
    ("intake", "workshop_published"): WorkshopPublished,
    ("intake", "delegation_registered"): DelegationRegistered,
    ("intake", "delegation_withdrawn"): DelegationWithdrawn,
    ("intake", "program_submitted"): ProgramSubmitted,
    ("intake", "staff_member_registered"): StaffMemberRegistered,
    ("intake", "expression_of_interest_submitted"): ExpressionOfInterestSubmitted,
    ("intake", "expression_of_interest_withdrawn"): ExpressionOfInterestWithdrawn,
    ("matching", "schedule_published"): SchedulePublished,
    (PORTAL, "activity_update_submitted"): ActivityUpdateSubmitted,
}

BY_VERSION = {
    ("intake", "delegation_registered", 2): DelegationRegisteredV2,
    ("intake", "program_submitted", 2): ProgramSubmittedV2,
}


def read(event) -> dict:
    """The payload of an envelope, through the richest reader for its version."""
    reader = reader_for(READERS, BY_VERSION, event.producer, event.event_type,
                        event.schema_version)
    return reader().load(event.payload)
