"""Tolerant readers of the events notify consumes."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

LANGUAGES = ("es", "en", "pt", "fr")


class Reader(Schema):
    class Meta:
        unknown = EXCLUDE


class Contact(Reader):
    delegate_id = fields.String(required=True)
    name = fields.String(required=True)
    email = fields.Email(required=True)
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
    is_focal_point = fields.Boolean(load_default=False)


class DelegationContactsUpdated(Reader):
    delegation_id = fields.String(required=True)
    contacts = fields.List(fields.Nested(Contact), required=True)


class ProgramSubmitted(Reader):
    program_id = fields.String(required=True)
    delegation_id = fields.String(required=True)
    title = fields.String(required=True)
    version = fields.Integer(required=True)
    submitted_at = fields.AwareDateTime(required=True)


READERS = {
    ("intake", "delegation_contacts_updated"): DelegationContactsUpdated,
    ("intake", "program_submitted"): ProgramSubmitted,
}
