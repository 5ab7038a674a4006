"""What followup accepts over HTTP and what it publishes (event payloads).

Request bodies derive from the backbone's `InputSchema` (unknown fields,
control characters and line breaks in one-line fields refused, with the
field's path); free text that may span lines is a `Text` field.

Event payload schemas are the producer's contract: docs/events/ holds their
JSON Schemas and examples, and contract tests load every example through
these schemas and through every consumer's reader.
"""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from rueda_backbone import Published
from rueda_backbone import fields as safe

from . import domain

Id = lambda **kw: fields.String(validate=validate.Length(min=1, max=36), **kw)  # noqa: E731
# one line of text (a title, a name, a label)
Line = lambda lo, hi, **kw: fields.String(validate=validate.Length(min=lo, max=hi), **kw)  # noqa: E731
# free text that may span lines (reasons, descriptions, updates)
Prose = lambda lo, hi, **kw: safe.Text(validate=validate.Length(min=lo, max=hi), **kw)  # noqa: E731


class Form(safe.InputSchema):
    """A request body: a misspelt field is reported, not silently ignored."""

    # the staff member acting; the API client's name when absent
    by = Line(1, 100)


class ActivityForm(Form):
    """A cooperation activity staff record directly (not from an expression).
    The workshop and the delegations it names must be known to followup."""

    workshop_id = Id(required=True)
    title = Line(3, 300)
    demanding_delegation_id = Id(required=True)
    supplying_delegation_ids = fields.List(
        Id(), load_default=list, validate=validate.Length(max=20)
    )
    # named (the list), several_not_yet_named or not_yet_defined (an empty list)
    supplier_status = fields.String(
        validate=validate.OneOf(domain.SUPPLIER_STATUSES), allow_none=True
    )
    program_id = Id(allow_none=True)
    topic = Line(2, 100, allow_none=True)
    # the label of a topic "other", reported under it
    other_topic = Line(1, 200, allow_none=True)
    activity_types = fields.List(
        fields.String(validate=validate.OneOf(domain.ACTIVITY_TYPES)), load_default=list
    )
    mechanism = fields.String(validate=validate.OneOf(domain.MECHANISMS), allow_none=True)
    focus = fields.String(validate=validate.OneOf(domain.FOCUSES), allow_none=True)
    description = Prose(0, 5000, allow_none=True)
    owner_staff_id = Id(allow_none=True)
    follow_up_on = safe.Date()

    @validates_schema
    def _program_or_topic(self, data, **_kwargs):
        if not data.get("program_id") and not data.get("topic"):
            raise ValidationError("give the program or the topic the activity is about", "topic")
        if data.get("topic") == domain.OTHER_TOPIC and not (data.get("other_topic") or "").strip():
            raise ValidationError('a topic "other" needs its label', "other_topic")
        if data.get("other_topic") and data.get("topic") != domain.OTHER_TOPIC:
            raise ValidationError('other_topic labels the topic "other" only', "other_topic")

    @validates_schema
    def _supplier_status(self, data, **_kwargs):
        status, named = data.get("supplier_status"), data.get("supplying_delegation_ids")
        if status == domain.NAMED and not named:
            raise ValidationError(
                "name the supplying delegations, or say they are "
                "several_not_yet_named or not_yet_defined",
                "supplier_status",
            )
        if status not in (None, domain.NAMED) and named:
            raise ValidationError(f"{status} cannot name supplying delegations", "supplier_status")


class TransitionForm(Form):
    to = fields.String(required=True, validate=validate.OneOf(domain.STATES))
    reason = Prose(1, 2000, required=True)
    funding_source = fields.String(validate=validate.OneOf(domain.FUNDING_SOURCES))
    planned_start = safe.Date()
    planned_end = safe.Date()
    terms_of_reference = Prose(1, 20000)


class OwnerForm(Form):
    owner_staff_id = Id(required=True)
    reason = Prose(1, 2000)


class FollowUpForm(Form):
    follow_up_on = safe.Date(required=True)
    reason = Prose(1, 2000)


class SupplyingForm(Form):
    supplying_delegation_ids = fields.List(
        Id(), required=True, validate=validate.Length(min=1, max=20)
    )
    reason = Prose(1, 2000)


class CounterpartUpdateForm(Form):
    delegation_id = Id(required=True)
    delegate_id = Id()
    text = Prose(1, 5000, required=True)


class FollowUpSettingsForm(Form):
    cadence_days = fields.Dict(
        keys=fields.String(validate=validate.OneOf(domain.FOLLOWED_STATES)),
        values=fields.Integer(strict=True, validate=validate.Range(min=1, max=365)),
    )
    due_soon_days = fields.Integer(strict=True, validate=validate.Range(min=0, max=60))
    escalation_days = fields.Integer(strict=True, validate=validate.Range(min=1, max=365))


class CriterionForm(safe.InputSchema):
    key = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,49}$"))
    label = Line(1, 200, required=True)
    weight = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=100))


class CriteriaForm(Form):
    criteria = fields.List(
        fields.Nested(CriterionForm), required=True, validate=validate.Length(min=1, max=20)
    )

    @validates_schema
    def _distinct_keys(self, data, **_kwargs):
        keys = [c["key"] for c in data.get("criteria", [])]
        if len(keys) != len(set(keys)):
            raise ValidationError("criterion keys must be distinct", "criteria")


class ScoresForm(Form):
    scores = fields.Dict(
        keys=fields.String(),
        required=True,
        values=fields.Integer(strict=True, validate=validate.Range(min=0, max=5)),
    )
    estimated_cost = fields.Integer(strict=True, validate=validate.Range(min=0, max=10**12))
    currency = fields.String(validate=validate.Regexp(r"^[A-Z]{3}$"))


class SelectionForm(Form):
    budget = fields.Integer(strict=True, required=True, validate=validate.Range(min=0, max=10**12))
    currency = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{3}$"))
    funding_source = fields.String(
        load_default="network_fund", validate=validate.OneOf(domain.FUNDING_SOURCES)
    )


class ConfirmForm(Form):
    pass


# -- published events (payload schemas) ------------------------------------


class ActivityProposed(Schema):
    """activity_proposed v1: a cooperation activity starts being followed up."""

    activity_id = fields.String(required=True)
    workshop_id = fields.String(required=True)
    title = fields.String(required=True)
    demanding_delegation_id = fields.String(required=True)
    supplying_delegation_ids = fields.List(fields.String(), required=True)
    program_id = fields.String(required=True, allow_none=True)
    topic = fields.String(required=True, allow_none=True)
    owner_staff_id = fields.String(required=True, allow_none=True)
    expression_id = fields.String(required=True, allow_none=True)
    proposed_at = safe.AwareDateTime(required=True)


class ActivityStatusChanged(Schema):
    """activity_status_changed v1: an activity moved in its lifecycle."""

    activity_id = fields.String(required=True)
    workshop_id = fields.String(required=True)
    title = fields.String(required=True)
    from_state = fields.String(required=True, validate=validate.OneOf(domain.STATES))
    to_state = fields.String(required=True, validate=validate.OneOf(domain.STATES))
    funding_source = fields.String(required=True, allow_none=True)
    reason = safe.Text(required=True)
    changed_by = fields.String(required=True)
    changed_at = safe.AwareDateTime(required=True)
    owner_staff_id = fields.String(required=True, allow_none=True)
    counterpart_delegation_ids = fields.List(fields.String(), required=True)


class ActivityFollowUpDue(Schema):
    """activity_follow_up_due v1: an activity's follow-up is near or late."""

    activity_id = fields.String(required=True)
    workshop_id = fields.String(required=True)
    title = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf(domain.STATES))
    level = fields.String(
        required=True, validate=validate.OneOf((domain.DUE_SOON, domain.OVERDUE, domain.ESCALATION))
    )
    follow_up_on = safe.Date(required=True)
    days_overdue = fields.Integer(required=True)
    owner_staff_id = fields.String(required=True, allow_none=True)
    escalation_staff_ids = fields.List(fields.String(), required=True)
    counterpart_delegation_ids = fields.List(fields.String(), required=True)
    detected_at = safe.AwareDateTime(required=True)


class SelectedActivity(Schema):
    activity_id = fields.String(required=True)
    title = fields.String(required=True)
    score = fields.Integer(required=True)
    cost = fields.Integer(required=True)


class FundingSelectionConfirmed(Schema):
    """funding_selection_confirmed v1: staff confirmed which activities a budget funds."""

    selection_id = fields.String(required=True)
    workshop_id = fields.String(required=True)
    budget = fields.Integer(required=True)
    currency = fields.String(required=True)
    total_cost = fields.Integer(required=True)
    total_score = fields.Integer(required=True)
    selected = fields.List(fields.Nested(SelectedActivity), required=True)
    confirmed_by = fields.String(required=True)
    confirmed_at = safe.AwareDateTime(required=True)


class DelegationRef(Schema):
    """A delegation as followup knows it, so a reader can name it without
    having seen intake's events: acronym and country, or region."""

    delegation_id = fields.String(required=True)
    acronym = fields.String(required=True, allow_none=True)
    institution = fields.String(required=True, allow_none=True)
    country = fields.String(required=True, allow_none=True)
    # a subregional mechanism's or international organisation's, instead of a country
    region = fields.String(required=True, allow_none=True)


class SelectedActivityV2(SelectedActivity):
    currency = fields.String(required=True)
    demanding = fields.Nested(DelegationRef, required=True)
    supplying = fields.List(fields.Nested(DelegationRef), required=True)
    supplier_status = fields.String(
        required=True, validate=validate.OneOf(domain.SUPPLIER_STATUSES)
    )


class FundingSelectionConfirmedV2(FundingSelectionConfirmed):
    """funding_selection_confirmed v2: v1 plus each selected activity's
    delegations (demanding and supplying) and its cost's currency, so the
    email can name each activity with who takes part and what it costs."""

    selected = fields.List(fields.Nested(SelectedActivityV2), required=True)


class DigestItem(Schema):
    activity_id = fields.String(required=True)
    title = fields.String(required=True)
    state = fields.String(required=True)
    follow_up_on = safe.Date(required=True)
    days_overdue = fields.Integer(required=True)


class Chart(Schema):
    name = fields.String(required=True)
    content_type = fields.String(required=True, validate=validate.Equal("image/png"))
    data_base64 = fields.String(required=True)


class WeeklyDigestPrepared(Schema):
    """weekly_digest_prepared v1: what one owner should look at this week."""

    digest_id = fields.String(required=True)
    owner_staff_id = fields.String(required=True)
    week_of = safe.Date(required=True)
    workshop_id = fields.String(required=True, allow_none=True)
    open_count = fields.Integer(required=True)
    overdue = fields.List(fields.Nested(DigestItem), required=True)
    due_soon = fields.List(fields.Nested(DigestItem), required=True)
    charts = fields.List(fields.Nested(Chart), required=True)


# what followup publishes; use cases build events only through `PUBLISHED.event`
PUBLISHED = Published(
    {
        ("activity_proposed", 1): ActivityProposed,
        ("activity_status_changed", 1): ActivityStatusChanged,
        ("activity_follow_up_due", 1): ActivityFollowUpDue,
        ("funding_selection_confirmed", 1): FundingSelectionConfirmed,
        ("funding_selection_confirmed", 2): FundingSelectionConfirmedV2,
        ("weekly_digest_prepared", 1): WeeklyDigestPrepared,
    },
    retired={
        # superseded by v2 (the same fields plus each activity's delegations and
        # currency); documented for consumers that may still hold v1 messages
        ("funding_selection_confirmed", 1),
    },
)
