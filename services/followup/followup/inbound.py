"""What followup consumes, declared once (`CONSUMES`: producer, event type,
a tolerant reader per schema version, the use case), and the readers: only
the fields followup uses, unknown ones ignored, so producers can add fields
without breaking it.

Besides intake's and matching's events, followup reads the counterparts'
status updates other systems publish on `portal.events`
(`activity_update_submitted`), with the same rules as the HTTP body."""

from __future__ import annotations

from marshmallow import EXCLUDE, fields, post_load

from rueda_backbone import Inbound, consumes
from rueda_backbone.fields import AwareDateTime, Reader, Text

from . import schemas, usecases

# other systems (the network's portal and its peers) publish here, as they do
# for intake's forms; which of them may post updates is COUNTERPART_PRODUCERS
PORTAL = "portal"


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
    # a subregional mechanism or an international organisation gives a
    # region instead of a country (read when the producer sends it)
    country = Optional(fields.String)
    region = Optional(fields.String)
    kind = fields.String(required=True)
    delegates = fields.List(fields.Nested(DelegateRef), required=True)
    registered_at = AwareDateTime(required=True)


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


class ProgramSubmittedV3(ProgramSubmittedV2):
    """v3: v2 plus the label of a topic "other", the region of a program of a
    delegation that gives one (`country` then carries the region's name) and
    whether an archive import loaded it."""

    other_topic = Optional(fields.String)
    region = Optional(fields.String)
    imported = fields.Boolean(load_default=False)


class StaffMemberRegistered(Reader):
    staff_id = fields.String(required=True)
    name = fields.String(required=True)
    roles = fields.List(fields.String(), load_default=list)
    # the language to write to them in: their digest's charts are labelled in it
    language = fields.String(load_default=None, allow_none=True)
    active = fields.Boolean(load_default=True)
    version = fields.Integer(required=True)


class RoundRef(Reader):
    session = fields.Integer(required=True)
    table = fields.Integer(required=True)
    program_id = Optional(fields.String)


class ExpressionOfInterestSubmitted(Reader):
    """What `usecases.record_expression` reads. `other_topic` (the label of a
    topic "other") and `supplier_status` (named / several_not_yet_named /
    not_yet_defined) come with intake's later versions; absent, the topic is
    its own label and the status is read from the supplying list."""

    expression_id = fields.String(required=True)
    workshop_id = fields.String(required=True)
    version = fields.Integer(required=True)
    demanding_delegation_id = fields.String(required=True)
    supplying_delegation_ids = fields.List(fields.String(), load_default=list)
    program_id = Optional(fields.String)
    topic = Optional(fields.String)
    other_topic = Optional(fields.String)
    supplier_status = Optional(fields.String)
    # kept even when a value is new to followup: reports count what was signed
    activity_types = fields.List(fields.String(), load_default=list)
    mechanism = Optional(fields.String)
    focus = Optional(fields.String)
    description = Optional(Text)
    contact_delegate_ids = fields.List(fields.String(), load_default=list)
    round = Optional(fields.Nested, RoundRef)
    submitted_at = AwareDateTime(required=True)


class ExpressionOfInterestSubmittedV2(ExpressionOfInterestSubmitted):
    """v2: v1 plus `other_topic`, `supplier_status`, "not_yet_known" activity
    types, mechanism and focus, and whether an archive import loaded it (a
    past workshop's activity: no deadline was applied to it)."""

    imported = fields.Boolean(load_default=False)


class ExpressionOfInterestWithdrawn(Reader):
    expression_id = fields.String(required=True)
    workshop_id = fields.String(required=True)
    version = fields.Integer(required=True)
    withdrawn_at = AwareDateTime(required=True)


class ScheduledRound(Reader):
    round_id = fields.String(required=True)
    session = fields.Integer(required=True)
    table = fields.Integer(required=True)
    program_id = Optional(fields.String)
    starts_at = Optional(AwareDateTime)


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
    submitted_at = AwareDateTime(required=True)

    @post_load
    def _update_id_as_stored(self, data, **_kwargs):
        # validated as a UUID, kept in the form the column and the docs use
        data["update_id"] = str(data["update_id"])
        return data


CONSUMES = Inbound(
    consumes("intake", "workshop_published", WorkshopPublished, use_case=usecases.record_workshop),
    consumes(
        "intake",
        "delegation_registered",
        # v3 adds each delegate's languages and sessions (not read here), the
        # region (`country` then carries its name) and `imported`
        {1: DelegationRegistered, 2: DelegationRegisteredV2, 3: DelegationRegisteredV2},
        use_case=usecases.record_delegation,
    ),
    consumes(
        "intake", "delegation_withdrawn", DelegationWithdrawn, use_case=usecases.withdraw_delegation
    ),
    consumes(
        "intake",
        "program_submitted",
        {1: ProgramSubmitted, 2: ProgramSubmittedV2, 3: ProgramSubmittedV3},
        use_case=usecases.record_program,
    ),
    consumes(
        "intake",
        "staff_member_registered",
        StaffMemberRegistered,
        use_case=usecases.record_staff_member,
    ),
    consumes(
        "intake",
        "expression_of_interest_submitted",
        {1: ExpressionOfInterestSubmitted, 2: ExpressionOfInterestSubmittedV2},
        use_case=usecases.record_expression,
    ),
    consumes(
        "intake",
        "expression_of_interest_withdrawn",
        ExpressionOfInterestWithdrawn,
        use_case=usecases.withdraw_expression,
    ),
    consumes(
        "matching",
        "schedule_published",
        {1: SchedulePublished, 2: SchedulePublished},
        use_case=usecases.record_schedule,
    ),
    # from the systems COUNTERPART_PRODUCERS names, then refused as the HTTP
    # API refuses the same body; the backbone parks it with the reason
    # (followup.exceptions)
    consumes(
        PORTAL,
        "activity_update_submitted",
        ActivityUpdateSubmitted,
        use_case=usecases.receive_update,
        uses="settings",
    ),
)
