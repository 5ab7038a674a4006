"""The secretariat's review of a program profile: the form, its view inside
a form's answer, and program_reviewed."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from .. import domain
from .base import Choice, Event, Form, Id, Instant, Text, Version


class ReviewForm(Form):
    decision = Choice(domain.REVIEW_DECISIONS, required=True)
    reason = Text(
        1,
        2000,
        allow_none=True,
        load_default=None,
        metadata={"description": "required when the program is returned"},
    )
    version = fields.Integer(
        strict=True,
        validate=validate.Range(min=1),
        metadata={"description": "the revision reviewed; refused if it is no longer the latest"},
    )

    @validates_schema
    def _reason(self, data, **_kwargs):
        if data.get("decision") == "returned" and not data.get("reason"):
            raise ValidationError("say why the program is returned", "reason")


class ReviewView(Schema):
    decision = fields.String()
    reason = fields.String(allow_none=True)
    version = fields.Integer()
    reviewed_at = fields.String(metadata={"format": "date-time"})  # stored as ISO 8601
    reviewed_by = fields.String(
        allow_none=True,
        metadata={
            "description": '"staff:<id> (<name>)" when the console acted for a person, else the '
            "API client's origin"
        },
    )


class ProgramReviewed(Event):
    """program_reviewed v1: the secretariat accepted or returned a revision."""

    program_id = Id("the program")
    workshop_id = Id("the workshop")
    delegation_id = Id("the delegation that presented it")
    version = Version("the revision reviewed")
    decision = Choice(domain.REVIEW_DECISIONS, required=True)
    reason = fields.String(
        required=True, allow_none=True, metadata={"description": "null when accepted"}
    )
    reviewed_at = Instant("when the secretariat decided", required=True)
