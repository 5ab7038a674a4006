"""What notify consumes, declared once (docs/events/CATALOGUE.md): the
tolerant readers of each event and `CONSUMES`, the table that maps
(producer, event type, schema versions) to a reader and a use case. The
backbone derives the handlers, queues and broker permissions from it.

Each reader takes only the fields notify uses and ignores the rest; an event
whose newer version brought fields notify wants has a reader per version.
"""

from __future__ import annotations

from marshmallow import fields, validate

from rueda_backbone import Inbound, consumes
from rueda_backbone import fields as policy
from rueda_backbone.fields import Reader

from . import usecases
from .domain import LANGUAGES


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


class DelegationRegistered(Reader):
    """What emails call a delegation: its acronym (or institution) and country."""

    delegation_id = _id()
    institution = fields.String(required=True, validate=validate.Length(min=1, max=300))
    acronym = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=50))
    country = fields.String(required=True, validate=validate.Length(max=100))


class DelegationRegisteredV2(DelegationRegistered):
    workshop_id = _id()
    version = fields.Integer(required=True, validate=validate.Range(min=1))


class DelegationRegisteredV3(DelegationRegisteredV2):
    """v3: a subregional mechanism or international organisation gives a
    region instead of a country (`country` then repeats the region)."""

    region = fields.String(required=True, allow_none=True, validate=validate.Length(max=100))


class DelegateErased(Reader):
    delegation_id = _id()
    delegate_id = _id()


class DelegationWithdrawn(Reader):
    workshop_id = _id()
    delegation_id = _id()
    version = fields.Integer(required=True)


class Deadlines(Reader):
    programs = policy.AwareDateTime(allow_none=True)
    interests = policy.AwareDateTime(allow_none=True)
    expressions_of_interest = policy.AwareDateTime(allow_none=True)


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
    submitted_at = policy.AwareDateTime(required=True)


class ProgramSubmittedV2(ProgramSubmitted):
    workshop_id = _id()
    missing_fields = fields.List(fields.String(), required=True)


class ProgramSubmittedV3(ProgramSubmittedV2):
    """v3 adds `imported`: loaded from a past workshop's records, so nobody
    is to be sent a receipt for it."""

    imported = fields.Boolean(required=True)


class ProgramReviewed(Reader):
    program_id = _id()
    workshop_id = _id()
    delegation_id = _id()
    version = fields.Integer(required=True)
    decision = fields.String(required=True, validate=validate.OneOf(("accepted", "returned")))
    reason = policy.Text(required=True, allow_none=True)


class InterestSubmitted(Reader):
    interest_id = _id()
    workshop_id = _id()
    delegation_id = _id()
    version = fields.Integer(required=True)
    programs = _ids(required=True)
    topics = fields.List(fields.String(), required=True)


class InterestSubmittedV2(InterestSubmitted):
    """v2 adds the label of a topic "other" and `imported` (no receipt for it)."""

    other_topic = fields.String(required=True, allow_none=True)
    imported = fields.Boolean(required=True)


class ExpressionOfInterestSubmitted(Reader):
    expression_id = _id()
    workshop_id = _id()
    version = fields.Integer(required=True)
    demanding_delegation_id = _id()
    supplying_delegation_ids = _ids(required=True)
    program_id = fields.String(required=True, allow_none=True)
    topic = fields.String(required=True, allow_none=True)
    description = policy.Text(required=True)
    contact_delegate_ids = _ids(required=True)


class ExpressionOfInterestSubmittedV2(ExpressionOfInterestSubmitted):
    """v2 adds the label of a topic "other", who supplies when nobody is named
    (`supplier_status`) and `imported` (no receipt for it)."""

    other_topic = fields.String(required=True, allow_none=True)
    supplier_status = fields.String(required=True)
    imported = fields.Boolean(required=True)


# -- matching ---------------------------------------------------------------------------


class ScheduledDelegation(Reader):
    delegation_id = _id()
    name = fields.String(required=True)


class Round(Reader):
    round_id = _id()
    session = fields.Integer(required=True)
    table = fields.Integer(required=True)
    starts_at = policy.AwareDateTime(required=True)
    ends_at = policy.AwareDateTime(required=True)
    program_id = _id()
    program_title = fields.String(required=True)
    host_delegation_id = _id()
    attendee_delegation_ids = _ids(required=True)


class DelegationChanges(Reader):
    delegation_id = _id()


class Unmet(Reader):
    delegation_id = _id()
    program_id = _id()
    # codes notify does not know yet are shown with the English `reason`
    reason_code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    reason = policy.Text(required=True, validate=validate.Length(min=1, max=500))


class SchedulePublished(Reader):
    workshop_id = _id()
    schedule_id = _id()
    revision = fields.Integer(required=True, validate=validate.Range(min=1))
    delegations = fields.List(fields.Nested(ScheduledDelegation), required=True)
    rounds = fields.List(fields.Nested(Round), required=True)
    unmet = fields.List(fields.Nested(Unmet), load_default=list)
    changes = fields.List(fields.Nested(DelegationChanges), required=True)


class Attendee(Reader):
    delegation_id = _id()
    delegate_id = fields.String(
        required=True, allow_none=True, validate=validate.Length(min=1, max=64)
    )


class RoundV2(Round):
    """v2 names the people: the host's presenting delegate and, per attending
    delegation, the delegate at the table (null when nobody was placed)."""

    presenter_delegate_id = fields.String(
        required=True, allow_none=True, validate=validate.Length(min=1, max=64)
    )
    attendees = fields.List(fields.Nested(Attendee), required=True)


class SchedulePublishedV2(SchedulePublished):
    """v2: rounds with people, so each delegate gets only their own rounds."""

    rounds = fields.List(fields.Nested(RoundV2), required=True)


# -- followup ---------------------------------------------------------------------------


class ActivityFollowUpDue(Reader):
    activity_id = _id()
    workshop_id = fields.String(required=True, allow_none=True)
    title = fields.String(required=True)
    state = fields.String(required=True)
    level = fields.String(
        required=True, validate=validate.OneOf(("due_soon", "overdue", "escalation"))
    )
    follow_up_on = policy.Date(required=True)
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
    reason = policy.Text(required=True)
    owner_staff_id = fields.String(required=True, allow_none=True)
    counterpart_delegation_ids = _ids(required=True)


class DigestItem(Reader):
    activity_id = _id()
    title = fields.String(required=True)
    state = fields.String(required=True)
    follow_up_on = policy.Date(required=True, allow_none=True)
    days_overdue = fields.Integer(required=True, allow_none=True)


class Chart(Reader):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    content_type = fields.String(required=True, validate=validate.Equal("image/png"))
    # 200 kB of PNG is about 270 kB of base64
    data_base64 = fields.String(required=True, validate=validate.Length(max=280_000))


class WeeklyDigestPrepared(Reader):
    digest_id = _id()
    owner_staff_id = _id()
    week_of = policy.Date(required=True)
    workshop_id = fields.String(required=True, allow_none=True)
    open_count = fields.Integer(required=True)
    overdue = fields.List(fields.Nested(DigestItem), required=True)
    due_soon = fields.List(fields.Nested(DigestItem), required=True)
    charts = fields.List(fields.Nested(Chart), required=True)


class SelectedActivity(Reader):
    activity_id = _id()
    title = fields.String(required=True)
    # in minor units (cents), as followup keeps money
    cost = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))


class FundingSelectionConfirmed(Reader):
    selection_id = _id()
    workshop_id = fields.String(required=True, allow_none=True)
    budget = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    currency = fields.String(required=True, validate=validate.Length(min=1, max=10))
    total_cost = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    selected = fields.List(fields.Nested(SelectedActivity), required=True)


class SelectedDelegation(Reader):
    """A delegation as followup names it in v2: enough to label it "MDS (Brazil)"."""

    delegation_id = _id()
    acronym = fields.String(load_default=None, allow_none=True)
    institution = fields.String(load_default=None, allow_none=True)
    country = fields.String(load_default=None, allow_none=True)
    region = fields.String(load_default=None, allow_none=True)


class SelectedActivityV2(SelectedActivity):
    currency = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(min=1, max=10)
    )
    demanding = fields.Nested(SelectedDelegation, required=True)
    supplying = fields.List(fields.Nested(SelectedDelegation), load_default=list)


class FundingSelectionConfirmedV2(FundingSelectionConfirmed):
    """v2: each activity with its delegations and its cost's currency."""

    selected = fields.List(fields.Nested(SelectedActivityV2), required=True)


# -- the table -----------------------------------------------------------------------
# Rows that queue emails wake the sender once they committed; the use cases
# that key emails by their event take its id (`event_id`), and the one that
# writes calendars and opens notice windows takes notify's settings.


class MissingForm(Reader):
    form = fields.String(required=True, validate=validate.OneOf(("program", "interest")))
    deadline = policy.AwareDateTime(required=True, allow_none=True)


class SubmissionReminderRequested(Reader):
    workshop_id = _id()
    delegation_id = _id()
    missing = fields.List(
        fields.Nested(MissingForm), required=True, validate=validate.Length(min=1)
    )


CONSUMES = Inbound(
    # the directory
    consumes(
        "intake",
        "delegation_contacts_updated",
        {1: DelegationContactsUpdated, 2: DelegationContactsUpdatedV2},
        use_case=usecases.update_contacts,
    ),
    consumes(
        "intake",
        "delegation_registered",
        {1: DelegationRegistered, 2: DelegationRegisteredV2, 3: DelegationRegisteredV3},
        use_case=usecases.register_delegation,
    ),
    consumes(
        "intake", "staff_contacts_updated", StaffContactsUpdated, use_case=usecases.update_staff
    ),
    consumes("intake", "delegate_erased", DelegateErased, use_case=usecases.erase_delegate),
    consumes(
        "intake", "delegation_withdrawn", DelegationWithdrawn, use_case=usecases.withdraw_delegation
    ),
    consumes("intake", "workshop_published", WorkshopPublished, use_case=usecases.publish_workshop),
    # receipts
    consumes(
        "intake",
        "program_submitted",
        {1: ProgramSubmitted, 2: ProgramSubmittedV2, 3: ProgramSubmittedV3},
        use_case=usecases.acknowledge_program,
        wakes="mailbox",
        uses="event_id",
    ),
    consumes(
        "intake",
        "program_reviewed",
        ProgramReviewed,
        use_case=usecases.acknowledge_review,
        wakes="mailbox",
        uses="event_id",
    ),
    consumes(
        "intake",
        "interest_submitted",
        {1: InterestSubmitted, 2: InterestSubmittedV2},
        use_case=usecases.acknowledge_interest,
        wakes="mailbox",
        uses="event_id",
    ),
    consumes(
        "intake",
        "expression_of_interest_submitted",
        {1: ExpressionOfInterestSubmitted, 2: ExpressionOfInterestSubmittedV2},
        use_case=usecases.acknowledge_expression,
        wakes="mailbox",
        uses="event_id",
    ),
    consumes(
        "intake",
        "submission_reminder_requested",
        SubmissionReminderRequested,
        use_case=usecases.remind_submission,
        wakes="mailbox",
        uses="event_id",
    ),
    # agendas and change notices
    consumes(
        "matching",
        "schedule_published",
        {1: SchedulePublished, 2: SchedulePublishedV2},
        use_case=usecases.record_schedule,
        wakes="mailbox",
        uses=("event_id", "settings"),
    ),
    # cooperation activities
    consumes(
        "followup",
        "activity_follow_up_due",
        ActivityFollowUpDue,
        use_case=usecases.remind_follow_up,
        wakes="mailbox",
        uses="event_id",
    ),
    consumes(
        "followup",
        "activity_status_changed",
        ActivityStatusChanged,
        use_case=usecases.announce_status_change,
        wakes="mailbox",
        uses="event_id",
    ),
    consumes(
        "followup",
        "weekly_digest_prepared",
        WeeklyDigestPrepared,
        use_case=usecases.send_digest,
        wakes="mailbox",
        uses="event_id",
    ),
    consumes(
        "followup",
        "funding_selection_confirmed",
        {1: FundingSelectionConfirmed, 2: FundingSelectionConfirmedV2},
        use_case=usecases.announce_funding,
        wakes="mailbox",
        uses="event_id",
    ),
)
