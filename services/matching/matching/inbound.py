"""Tolerant readers of the events matching consumes: only the fields it uses,
unknown ones ignored, so producers can add fields without breaking it."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields


class Reader(Schema):
    class Meta:
        unknown = EXCLUDE


class DelegateRef(Reader):
    delegate_id = fields.String(required=True)


class DelegationRegistered(Reader):
    delegation_id = fields.String(required=True)
    institution = fields.String(required=True)
    country = fields.String(required=True)
    delegates = fields.List(fields.Nested(DelegateRef), required=True)
    registered_at = fields.AwareDateTime(required=True)


class ProgramSubmitted(Reader):
    program_id = fields.String(required=True)
    delegation_id = fields.String(required=True)
    title = fields.String(required=True)
    topics = fields.List(fields.String(), load_default=list)
    version = fields.Integer(required=True)
    submitted_at = fields.AwareDateTime(required=True)


READERS = {
    ("intake", "delegation_registered"): DelegationRegistered,
    ("intake", "program_submitted"): ProgramSubmitted,
}
