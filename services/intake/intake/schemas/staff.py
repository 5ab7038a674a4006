"""The staff member form, its HTTP view and its two events: one without the
email for everyone, one with it for notify only."""

from __future__ import annotations

from marshmallow import Schema, fields, validates_schema

from .. import domain
from .base import Choice, Email, Event, Form, Id, Language, Line, Set, Version, no_repeats


class StaffForm(Form):
    name = Line(1, 200, required=True)
    email = Email(required=True)
    language = Language(required=True)
    roles = Set(Choice(domain.STAFF_ROLES), 1, 4, required=True)
    active = fields.Boolean(load_default=True)

    @validates_schema
    def _unique(self, data, **_kwargs):
        no_repeats(data, "roles")


class StaffView(Schema):
    id = fields.String()
    version = fields.Integer()
    name = fields.String()
    language = fields.String()
    roles = fields.List(fields.String())
    active = fields.Boolean()


class StaffMemberRegistered(Event):
    """staff_member_registered v1: a member of the secretariat's staff; no email."""

    staff_id = Id("intake's id for the staff member")
    name = fields.String(required=True, metadata={"description": "full name"})
    roles = fields.List(
        Choice(domain.STAFF_ROLES),
        required=True,
        metadata={"description": "what the member does for the network"},
    )
    language = Language(required=True, metadata={"description": "the language to write to them in"})
    active = fields.Boolean(required=True, metadata={"description": "false once they left"})
    version = Version()


class StaffContactsUpdated(StaffMemberRegistered):
    """staff_contacts_updated v1: how to reach a staff member; for notify only."""

    email = fields.Email(required=True, metadata={"description": "never log it"})
