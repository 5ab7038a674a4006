"""Tolerant readers of the events notify consumes (docs/events/CATALOGUE.md).

Each reader takes only the fields notify uses and ignores the rest. `READERS`
holds, per (producer, event type), the reader that works for every
documented version (what the contract tests check); `read()` uses a richer
reader from `BY_VERSION` when the envelope says a newer schema version
brought fields notify wants.
"""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate
from rueda_backbone.envelope import reader_for

from .domain import LANGUAGES


class Reader(Schema):
    class Meta:
        unknown = EXCLUDE


def _id(**kwargs):
    return fields.String(required=True, validate=validate.Length(min=1, max=64), **kwargs)


def _ids(**kwargs):
    return fields.List(fields.String(validate=validate.Length(min=1, max=64)), **kwargs)


# -- directory ----------------------------------------------------------------------

class Contact(Reader):
    delegate_id = _id()
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(required=True, validate=validate.Length(max=320))
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
    is_focal_point = fields.Boolean(required=True)


class DelegationContactsUpdated(Reader):
    delegation_id = _id()
    contacts = fields.List(fields.Nested(Contact), required=True)


class DelegationContactsUpdatedV2(DelegationContactsUpdated):
    workshop_id = _id()
    version = fields.Integer(required=True, validate=validate.Range(min=1))


class StaffContactsUpdated(Reader):
    staff_id = _id()
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(required=True, validate=validate.Length(max=320))
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
    roles = fields.List(fields.String(), required=True)
    active = fields.Boolean(required=True)
    version = fields.Integer(required=True, validate=validate.Range(min=1))


class DelegateErased(Reader):
    delegation_id = _id()
    delegate_id = _id()


class DelegationWithdrawn(Reader):
    workshop_id = _id()
    delegation_id = _id()
    version = fields.Integer(required=True)


class Deadlines(Reader):
    programs = fields.AwareDateTime(allow_none=True)
    interests = fields.AwareDateTime(allow_none=True)
    expressions_of_interest = fields.AwareDateTime(allow_none=True)


class WorkshopPublished(Reader):
    workshop_id = _id()
    version = fields.Integer(required=True)
    title = fields.String(required=True)
    time_zone = fields.String(required=True)
    languages = fields.List(fields.String(), required=True)
    deadlines = fields.Nested(Deadlines, required=True)


# -- forms ------------------------------------------------------------------------------

class ProgramSubmitted(Reader):
    program_id = _id()
    delegation_id = _id()
    title = fields.String(required=True)
    version = fields.Integer(required=True)
    submitted_at = fields.AwareDateTime(required=True)


class ProgramSubmittedV2(ProgramSubmitted):
    workshop_id = _id()
    missing_fields = fields.List(fields.String(), required=True)


class ProgramReviewed(Reader):
    program_id = _id()
    workshop_id = _id()
    delegation_id = _id()
    version = fields.Integer(required=True)
    decision = fields.String(required=True, validate=validate.OneOf(("accepted", "returned")))
    reason = fields.String(required=True, allow_none=True)


class InterestSubmitted(Reader):
    interest_id = _id()
    workshop_id = _id()
    delegation_id = _id()
    version = fields.Integer(required=True)
    programs = _ids(required=True)
    topics = fields.List(fields.String(), required=True)


class ExpressionOfInterestSubmitted(Reader):
    expression_id = _id()
    workshop_id = _id()
    version = fields.Integer(required=True)
    demanding_delegation_id = _id()
    supplying_delegation_ids = _ids(required=True)
    program_id = fields.String(required=True, allow_none=True)
    topic = fields.String(required=True, allow_none=True)
    description = fields.String(required=True)
    contact_delegate_ids = _ids(required=True)


# -- matching ---------------------------------------------------------------------------

class ScheduledDelegation(Reader):
    delegation_id = _id()
    name = fields.String(required=True)


class Round(Reader):
    round_id = _id()
    session = fields.Integer(required=True)
    table = fields.Integer(required=True)
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    program_id = _id()
    program_title = fields.String(required=True)
    host_delegation_id = _id()
    attendee_delegation_ids = _ids(required=True)


class DelegationChanges(Reader):
    delegation_id = _id()


class SchedulePublished(Reader):
    workshop_id = _id()
    schedule_id = _id()
    revision = fields.Integer(required=True, validate=validate.Range(min=1))
    delegations = fields.List(fields.Nested(ScheduledDelegation), required=True)
    rounds = fields.List(fields.Nested(Round), required=True)
    changes = fields.List(fields.Nested(DelegationChanges), required=True)


# -- followup ---------------------------------------------------------------------------

class ActivityFollowUpDue(Reader):
    activity_id = _id()
    workshop_id = fields.String(required=True, allow_none=True)
    title = fields.String(required=True)
    state = fields.String(required=True)
    level = fields.String(required=True, validate=validate.OneOf(("due_soon", "overdue", "escalation")))
    follow_up_on = fields.Date(required=True)
    days_overdue = fields.Integer(required=True, allow_none=True)
    owner_staff_id = fields.String(required=True, allow_none=True)
    escalation_staff_ids = _ids(required=True)
    counterpart_delegation_ids = _ids(required=True)


class ActivityStatusChanged(Reader):
    activity_id = _id()
    workshop_id = fields.String(required=True, allow_none=True)
    title = fields.String(required=True)
    # not checked against today's list of states: a state followup adds later
    # should still reach people (shown by its name) rather than be parked
    from_state = fields.String(required=True, validate=validate.Length(min=1, max=50))
    to_state = fields.String(required=True, validate=validate.Length(min=1, max=50))
    funding_source = fields.String(required=True, allow_none=True)
    reason = fields.String(required=True)
    owner_staff_id = fields.String(required=True, allow_none=True)
    counterpart_delegation_ids = _ids(required=True)


class DigestItem(Reader):
    activity_id = _id()
    title = fields.String(required=True)
    state = fields.String(required=True)
    follow_up_on = fields.Date(required=True, allow_none=True)
    days_overdue = fields.Integer(required=True, allow_none=True)


class Chart(Reader):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    content_type = fields.String(required=True, validate=validate.Equal("image/png"))
    # 200 kB of PNG is about 270 kB of base64
    data_base64 = fields.String(required=True, validate=validate.Length(max=280_000))


class WeeklyDigestPrepared(Reader):
    digest_id = _id()
    owner_staff_id = _id()
    week_of = fields.Date(required=True)
    workshop_id = fields.String(required=True, allow_none=True)
    open_count = fields.Integer(required=True)
    overdue = fields.List(fields.Nested(DigestItem), required=True)
    due_soon = fields.List(fields.Nested(DigestItem), required=True)
    charts = fields.List(fields.Nested(Chart), required=True)


class SelectedActivity(Reader):
    activity_id = _id()
    title = fields.String(required=True)
    cost = fields.Raw(required=True)


class FundingSelectionConfirmed(Reader):
    selection_id = _id()
    workshop_id = fields.String(required=True, allow_none=True)
    budget = fields.Raw(required=True)
    currency = fields.String(required=True, validate=validate.Length(min=1, max=10))
    total_cost = fields.Raw(required=True)
    selected = fields.List(fields.Nested(SelectedActivity), required=True)


READERS = {
    ("intake", "delegation_contacts_updated"): DelegationContactsUpdated,
    ("intake", "staff_contacts_updated"): StaffContactsUpdated,
    ("intake", "delegate_erased"): DelegateErased,
    ("intake", "delegation_withdrawn"): DelegationWithdrawn,
    ("intake", "workshop_published"): WorkshopPublished,
    ("intake", "program_submitted"): ProgramSubmitted,
    ("intake", "program_reviewed"): ProgramReviewed,
    ("intake", "interest_submitted"): InterestSubmitted,
    ("intake", "expression_of_interest_submitted"): ExpressionOfInterestSubmitted,
    ("matching", "schedule_published"): SchedulePublished,
    ("followup", "activity_follow_up_due"): ActivityFollowUpDue,
    ("followup", "activity_status_changed"): ActivityStatusChanged,
    ("followup", "weekly_digest_prepared"): WeeklyDigestPrepared,
    ("followup", "funding_selection_confirmed"): FundingSelectionConfirmed,
}

BY_VERSION = {
    ("intake", "delegation_contacts_updated", 2): DelegationContactsUpdatedV2,
    ("intake", "program_submitted", 2): ProgramSubmittedV2,
}


def read(event) -> dict:
    """The payload of an envelope, through the richest reader for its version."""
    reader = reader_for(READERS, BY_VERSION, event.producer, event.event_type,
                        event.schema_version)
    return reader().load(event.payload)
