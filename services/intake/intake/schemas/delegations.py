"""The delegation registration form, its HTTP views (the erasure's too) and
the events about delegations and their delegates."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from .. import domain
from .base import (
    Choice,
    Email,
    Event,
    Form,
    Id,
    Imported,
    Instant,
    Language,
    Line,
    Ref,
    Set,
    Version,
    no_repeats,
)

SESSION_NUMBER = fields.Integer(strict=True, validate=validate.Range(1, 20))


class DelegateForm(Form):
    name = Line(1, 200, required=True)
    email = Email(required=True)
    role = Line(1, 200, allow_none=True)
    language = Language(
        required=True,
        metadata={"description": "the language to write to them in; one of `languages`"},
    )
    languages = Set(
        Language(),
        1,
        4,
        metadata={
            "description": "the languages they speak at a table; only `language` when absent"
        },
    )
    sessions = Set(
        SESSION_NUMBER,
        1,
        20,
        allow_none=True,
        load_default=None,
        metadata={
            "description": "numbers (1, 2, ... in time order) of the workshop's sessions they are "
            "present at; absent or null = every session"
        },
    )

    @validates_schema
    def _speaks_their_language(self, data, **_kwargs):
        no_repeats(data, "languages", "sessions")
        if (
            data.get("languages")
            and data.get("language")
            and data["language"] not in data["languages"]
        ):
            raise ValidationError(
                f"must include the delegate's language ({data['language']})", "languages"
            )


class DelegationRegistrationForm(Form):
    workshop_id = Ref(
        required=True, metadata={"description": "the workshop the delegation registers for"}
    )
    country = Line(
        2,
        100,
        metadata={
            "description": "required, except for a subregional mechanism or an international "
            "organisation, which gives `region` instead (a country such a "
            "delegation sends without a region, as clients written before regions "
            "did, is taken as its region)"
        },
    )
    region = Line(
        2,
        100,
        metadata={
            "description": "the region a subregional mechanism or an international organisation "
            "covers (e.g. Central America), instead of a country; only for those kinds"
        },
    )
    institution = Line(2, 300, required=True)
    acronym = Line(1, 50, allow_none=True)
    kind = Choice(domain.DELEGATION_KINDS, required=True)
    delegates = fields.List(
        fields.Nested(DelegateForm), required=True, validate=validate.Length(min=1, max=50)
    )
    focal_point_email = Email(
        metadata={
            "description": "email of the delegate who is the focal point; the first delegate when absent"
        }
    )
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

    @post_load
    def _region_of_a_regional_kind(self, data, **_kwargs):
        # clients written before regions existed send the place as `country`
        if (
            data.get("kind") in domain.REGIONAL_KINDS
            and data.get("country")
            and not data.get("region")
        ):
            data["region"] = data.pop("country")
        return data

    @validates_schema
    def _country_or_region(self, data, partial=None, **_kwargs):
        if "kind" not in data:
            return  # a draft, or a kind already refused
        if data["kind"] in domain.REGIONAL_KINDS:
            if data.get("country") and data.get("region"):
                raise ValidationError(
                    "a subregional mechanism or an international organisation gives its region, "
                    "not a country",
                    "country",
                )
            if not data.get("country") and not data.get("region") and not partial:
                raise ValidationError("say which region it covers (e.g. Central America)", "region")
        else:
            if data.get("region"):
                raise ValidationError(
                    "only a subregional mechanism or an international organisation gives a "
                    "region; give the country",
                    "region",
                )
            if not data.get("country") and not partial:
                raise ValidationError("Missing data for required field.", "country")


# -- views (HTTP responses) -------------------------------------------------


class DelegateView(Schema):
    id = fields.String()
    name = fields.String()
    role = fields.String(allow_none=True)
    language = fields.String()
    languages = fields.Method("_languages", metadata={"type": "array", "items": {"type": "string"}})
    sessions = fields.List(
        fields.Integer(),
        allow_none=True,
        metadata={"description": "the sessions they are present at; null = every session"},
    )
    is_focal_point = fields.Boolean()

    @staticmethod
    def _languages(delegate) -> list[str]:
        return domain.spoken_languages(delegate)


class DelegationView(Schema):
    id = fields.String()
    workshop_id = fields.String(allow_none=True)
    version = fields.Integer()
    status = fields.String(metadata={"enum": ["registered", "withdrawn"]})
    country = fields.String(
        attribute="country_of_its_own",
        allow_none=True,
        metadata={"description": "null when it gives a region"},
    )
    region = fields.String(
        allow_none=True,
        metadata={"description": "for a subregional mechanism or an international organisation"},
    )
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


class DelegationRegisteredV2(DelegationRegisteredV1):
    """delegation_registered v2 (retired): v1 plus the workshop and the registration's revision."""

    workshop_id = Id("the workshop the delegation registered for")
    version = Version("revision of the registration; a revision re-publishes the whole delegation")


class DelegatePresence(DelegateRef):
    languages = fields.List(
        Language(),
        required=True,
        metadata={"description": "the languages they speak at a table (`language` among them)"},
    )
    sessions = fields.List(
        fields.Integer(),
        required=True,
        allow_none=True,
        metadata={
            "description": "numbers of the workshop's sessions they are present at; "
            "null = every session"
        },
    )


class DelegationRegistered(DelegationRegisteredV2):
    """delegation_registered v3: v2 plus each delegate's languages and sessions, the region of
    a delegation that gives one instead of a country, and whether it came from an archive."""

    country = fields.String(
        required=True,
        metadata={
            "description": "its country; for a delegation that gives a region instead (`region` "
            "set), that region, so readers of v1 and v2 still get a place name"
        },
    )
    region = fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "the region of a subregional mechanism or an international "
            "organisation; null for a delegation of one country"
        },
    )
    delegates = fields.List(fields.Nested(DelegatePresence), required=True)
    imported = Imported()


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
