"""What intake accepts over HTTP and what it publishes (event payloads).

Event payload schemas are the producer's contract: docs/events/ holds their
JSON Schemas and examples, and contract tests load every example through
these schemas and through every consumer's reader.
"""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate, validates_schema, ValidationError

from . import domain

Text = lambda lo, hi, **kw: fields.String(validate=validate.Length(min=lo, max=hi), **kw)  # noqa: E731
Language = lambda **kw: fields.String(validate=validate.OneOf(domain.LANGUAGES), **kw)  # noqa: E731


class Form(Schema):
    class Meta:
        # a misspelt field must be reported, not silently ignored
        unknown = RAISE


class DelegateForm(Form):
    name = Text(1, 200, required=True)
    email = fields.Email(required=True, validate=validate.Length(max=320))
    role = Text(1, 200)
    language = Language(required=True)


class DelegationRegistrationForm(Form):
    country = Text(2, 100, required=True)
    institution = Text(2, 300, required=True)
    acronym = Text(1, 50)
    kind = fields.String(required=True, validate=validate.OneOf(domain.DELEGATION_KINDS))
    delegates = fields.List(fields.Nested(DelegateForm), required=True,
                            validate=validate.Length(min=1, max=50))
    focal_point_email = fields.Email()
    working_languages = fields.List(Language(), validate=validate.Length(min=1, max=4))

    @validates_schema
    def _focal_point_is_a_delegate(self, data, **_kwargs):
        try:
            domain.focal_point_index(data.get("delegates", []), data.get("focal_point_email"))
        except ValueError as exc:
            raise ValidationError(str(exc), "focal_point_email") from None


class ProgramProfileForm(Form):
    delegation_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    title = Text(3, 300, required=True)
    topics = fields.List(fields.String(validate=validate.OneOf(domain.TOPICS)), required=True,
                         validate=validate.Length(min=1, max=10))


# -- views (HTTP responses) -------------------------------------------------

class DelegateView(Schema):
    id = fields.String()
    name = fields.String()
    role = fields.String()
    language = fields.String()
    is_focal_point = fields.Boolean()


class DelegationView(Schema):
    id = fields.String()
    country = fields.String()
    institution = fields.String()
    acronym = fields.String()
    kind = fields.String()
    working_languages = fields.List(fields.String())
    delegates = fields.List(fields.Nested(DelegateView))
    registered_at = fields.AwareDateTime()


class ProgramView(Schema):
    id = fields.String()
    delegation_id = fields.String()
    title = fields.String()
    topics = fields.List(fields.String())
    version = fields.Integer()
    submitted_at = fields.AwareDateTime()


# -- published events (payload schemas, version 1) -------------------------

class DelegateRef(Schema):
    delegate_id = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(allow_none=True)
    language = Language(required=True)
    is_focal_point = fields.Boolean(required=True)


class DelegationRegistered(Schema):
    """delegation_registered v1: who the delegation is; no email addresses."""
    delegation_id = fields.String(required=True)
    country = fields.String(required=True)
    institution = fields.String(required=True)
    acronym = fields.String(allow_none=True)
    kind = fields.String(required=True)
    working_languages = fields.List(Language(), required=True)
    delegates = fields.List(fields.Nested(DelegateRef), required=True)
    registered_at = fields.AwareDateTime(required=True)


class DelegateContact(Schema):
    delegate_id = fields.String(required=True)
    name = fields.String(required=True)
    email = fields.Email(required=True)
    language = Language(required=True)
    is_focal_point = fields.Boolean(required=True)


class DelegationContactsUpdated(Schema):
    """delegation_contacts_updated v1: how to reach the delegates; for notify only."""
    delegation_id = fields.String(required=True)
    contacts = fields.List(fields.Nested(DelegateContact), required=True)


class ProgramSubmitted(Schema):
    """program_submitted v1: a program profile (supply) was submitted."""
    program_id = fields.String(required=True)
    delegation_id = fields.String(required=True)
    title = fields.String(required=True)
    topics = fields.List(fields.String(), required=True)
    version = fields.Integer(required=True)
    submitted_at = fields.AwareDateTime(required=True)


PUBLISHED = {
    ("delegation_registered", 1): DelegationRegistered,
    ("delegation_contacts_updated", 1): DelegationContactsUpdated,
    ("program_submitted", 1): ProgramSubmitted,
}
