"""The delegation registration form, its HTTP views (the erasure's too) and
the events about delegations and their delegates."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from .. import domain
from .base import Choice, Event, Form, Id, Instant, Language, Ref, Set, Text, Version, no_repeats


class DelegateForm(Form):
    name = Text(1, 200, required=True)
    email = fields.Email(required=True, validate=validate.Length(max=320))
    role = Text(1, 200, allow_none=True)
    language = Language(required=True)


class DelegationRegistrationForm(Form):
    workshop_id = Ref(required=True, metadata={"description": "the workshop the delegation registers for"})
    country = Text(2, 100, required=True)
    institution = Text(2, 300, required=True)
    acronym = Text(1, 50, allow_none=True)
    kind = Choice(domain.DELEGATION_KINDS, required=True)
    delegates = fields.List(fields.Nested(DelegateForm), required=True,
                            validate=validate.Length(min=1, max=50))
    focal_point_email = fields.Email(metadata={
        "description": "email of the delegate who is the focal point; the first delegate when absent"})
    working_languages = Set(Language(), 1, 4)

    @validates_schema
    def _focal_point_is_a_delegate(self, data, **_kwargs):
        no_repeats(data, "working_languages")
        emails = [d["email"].lower() for d in data.get("delegates", [])]
        if domain.duplicates(emails):
            raise ValidationError("two delegates share an email address", "delegates")
        try:
            domain.focal_point_index(data.get("delegates", []), data.get("focal_point_email"))
        except ValueError as exc:
            raise ValidationError(str(exc), "focal_point_email") from None


# -- views (HTTP responses) -------------------------------------------------

class DelegateView(Schema):
    id = fields.String()
    name = fields.String()
    role = fields.String(allow_none=True)
    language = fields.String()
    is_focal_point = fields.Boolean()


class DelegationView(Schema):
    id = fields.String()
    workshop_id = fields.String(allow_none=True)
    version = fields.Integer()
    status = fields.String(metadata={"enum": ["registered", "withdrawn"]})
    country = fields.String()
    institution = fields.String()
    acronym = fields.String(allow_none=True)
    kind = fields.String()
    working_languages = fields.List(fields.String())
    delegates = fields.List(fields.Nested(DelegateView))
    registered_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class ErasureView(Schema):
    delegate_id = fields.String()
    delegation_id = fields.String()
    erased_at = fields.AwareDateTime()


# -- published events --------------------------------------------------------

class DelegateRef(Event):
    delegate_id = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(allow_none=True)
    language = Language(required=True)
    is_focal_point = fields.Boolean(required=True)


class DelegationRegisteredV1(Event):
    """delegation_registered v1 (retired): who the delegation is; no email addresses."""
    delegation_id = fields.String(required=True)
    country = fields.String(required=True)
    institution = fields.String(required=True)
    acronym = fields.String(allow_none=True)
    kind = fields.String(required=True)
    working_languages = fields.List(Language(), required=True)
    delegates = fields.List(fields.Nested(DelegateRef), required=True)
    registered_at = fields.AwareDateTime(required=True)


class DelegationRegistered(DelegationRegisteredV1):
    """delegation_registered v2: v1 plus the workshop and the registration's revision."""
    workshop_id = Id("the workshop the delegation registered for")
    version = Version("revision of the registration; a revision re-publishes the whole delegation")


class DelegateContact(Event):
    delegate_id = fields.String(required=True)
    name = fields.String(required=True)
    email = fields.Email(required=True)
    language = Language(required=True)
    is_focal_point = fields.Boolean(required=True)


class DelegationContactsUpdatedV1(Event):
    """delegation_contacts_updated v1 (retired): how to reach the delegates; for notify only."""
    delegation_id = fields.String(required=True)
    contacts = fields.List(fields.Nested(DelegateContact), required=True)


class DelegationContactsUpdated(DelegationContactsUpdatedV1):
    """delegation_contacts_updated v2: v1 plus the workshop and the registration's revision."""
    workshop_id = Id("the workshop the delegation registered for")
    version = Version("revision of the registration these contacts belong to")


class DelegationWithdrawn(Event):
    """delegation_withdrawn v1: the delegation no longer takes part in the workshop."""
    workshop_id = Id("the workshop")
    delegation_id = Id("the delegation")
    version = Version("the registration's revision it was withdrawn at")
    withdrawn_at = Instant("when intake accepted the withdrawal", required=True)


class DelegateErased(Event):
    """delegate_erased v1: forget this delegate's personal data (name, email)."""
    workshop_id = Id("the workshop of the delegate's delegation")
    delegation_id = Id("the delegation")
    delegate_id = Id("the delegate to forget")
    erased_at = Instant("when intake erased it", required=True)
