"""Reminders to delegations that have not submitted a form: what the
secretariat asks (`POST /workshops/{id}/reminders`), what intake answers
(who will be reminded, who not and why) and submission_reminder_requested,
which notify turns into an email to each delegate of the delegation."""

from __future__ import annotations

from marshmallow import Schema, fields, validate, validates_schema

from .base import Choice, Event, Form, Id, Instant, Ref, Set, no_repeats

# the forms a delegation is reminded of (as named in GET .../delegations?missing=)
REMINDED_FORMS = ("program", "interest")
# why a delegation named in the request is not reminded
NOT_REMINDED = ("submitted", "deadline_passed")


class ReminderForm(Form):
    form = Choice(
        REMINDED_FORMS,
        load_default=None,
        metadata={
            "description": "remind of this form only; without it, of both (program and interest)"
        },
    )
    delegation_ids = Set(
        Ref(),
        1,
        500,
        load_default=None,
        metadata={
            "description": "remind these delegations of the workshop; without it, every registered "
            "delegation that has not submitted"
        },
    )

    @validates_schema
    def _repeats(self, data, **_kwargs):
        no_repeats(data, "delegation_ids")


class MissingForm(Schema):
    form = Choice(REMINDED_FORMS, required=True)
    deadline = Instant(
        "the delegation's deadline for it: the workshop's, or a later open late "
        "window's; null when the workshop has none",
        required=True,
        allow_none=True,
    )


class Reminded(Schema):
    delegation_id = fields.String()
    missing = fields.List(fields.Nested(MissingForm))


class NotReminded(Schema):
    delegation_id = fields.String()
    reason = fields.String(
        metadata={
            "enum": list(NOT_REMINDED),
            "description": (
                "submitted: nothing asked is missing; deadline_passed: what is missing can no longer be "
                "submitted (grant a late window first)"
            ),
        }
    )


class ReminderView(Schema):
    workshop_id = fields.String()
    reminded = fields.List(
        fields.Nested(Reminded),
        metadata={
            "description": "one submission_reminder_requested each: notify emails every delegate"
        },
    )
    not_reminded = fields.List(
        fields.Nested(NotReminded),
        metadata={
            "description": "delegations named in delegation_ids that are not reminded, and why"
        },
    )


class SubmissionReminderRequested(Event):
    """submission_reminder_requested v1: the secretariat asks a delegation to
    submit the forms it has not submitted yet."""

    workshop_id = Id("the workshop")
    delegation_id = Id("the delegation reminded")
    missing = fields.List(
        fields.Nested(MissingForm),
        required=True,
        validate=validate.Length(min=1),
        metadata={"description": "the forms it has not submitted, each with its deadline"},
    )
    requested_by = fields.String(
        required=True,
        validate=validate.Length(min=1, max=300),
        metadata={
            "description": 'who asked: "staff:<id> (<name>)" from the console, else the API client'
        },
    )
    requested_at = Instant("when it was asked", required=True)
