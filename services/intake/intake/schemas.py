"""What intake accepts (forms), answers (views) and publishes (event payloads).

Event payload schemas are the producer's contract: docs/events/ holds their
JSON Schemas (generated from these classes by `intake.contracts`) and
examples, and contract tests load every example through these schemas and
through every consumer's reader.
"""
from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from marshmallow import (RAISE, Schema, ValidationError, fields, validate,
                         validates_schema)

from . import domain


def Text(lo, hi, **kw):  # noqa: N802 - reads like a field class
    return fields.String(validate=validate.Length(min=lo, max=hi), **kw)


def Language(**kw):  # noqa: N802
    return fields.String(validate=validate.OneOf(domain.LANGUAGES), **kw)


def Choice(values, **kw):  # noqa: N802
    return fields.String(validate=validate.OneOf(values), **kw)


def Ref(**kw):  # noqa: N802
    """The id of something intake made (a UUID string)."""
    return fields.String(validate=validate.Length(min=1, max=36), **kw)


def Set(inner, lo, hi, **kw):  # noqa: N802
    """A list whose items must not repeat (checked in `no_repeats`)."""
    metadata = {"uniqueItems": True, **kw.pop("metadata", {})}
    return fields.List(inner, validate=validate.Length(min=lo, max=hi), metadata=metadata, **kw)


def no_repeats(data: dict, *names: str) -> None:
    errors = {}
    for name in names:
        repeated = domain.duplicates(data.get(name) or [])
        if repeated:
            errors[name] = [f"each value at most once; repeated: {', '.join(map(str, repeated))}"]
    if errors:
        raise ValidationError(errors)


@lru_cache(maxsize=1)
def _time_zones() -> frozenset[str]:
    # ZoneInfo alone would also accept file paths such as "posixrules"
    return frozenset(available_timezones())


class Form(Schema):
    class Meta:
        # a misspelt field must be reported, not silently ignored
        unknown = RAISE


# -- workshops ---------------------------------------------------------------

class SessionForm(Form):
    starts_at = fields.AwareDateTime(required=True)


class DeadlinesForm(Form):
    programs = fields.AwareDateTime(required=True, metadata={
        "description": "last moment to submit or revise a program profile"})
    interests = fields.AwareDateTime(required=True, metadata={
        "description": "last moment for programmatic interest forms"})
    expressions_of_interest = fields.AwareDateTime(required=True, metadata={
        "description": "last moment for expressions of interest"})

    @validates_schema
    def _in_order(self, data, **_kwargs):
        if {"programs", "interests"} <= data.keys() and data["interests"] < data["programs"]:
            raise ValidationError("must not be before the programs deadline", "interests")


class WorkshopForm(Form):
    title = Text(3, 300, required=True)
    place = Text(2, 200, required=True)
    time_zone = Text(1, 64, required=True, metadata={"description": "IANA time zone, e.g. America/Bogota"})
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    languages = Set(Language(), 1, 4, required=True,
                    metadata={"description": "the first is the workshop's default language"})
    sessions = fields.List(fields.Nested(SessionForm), required=True,
                           validate=validate.Length(min=1, max=20))
    tables_per_session = fields.Integer(required=True, strict=True, validate=validate.Range(1, 100))
    table_capacity = fields.Integer(required=True, strict=True, validate=validate.Range(2, 100))
    round_minutes = fields.Integer(required=True, strict=True, validate=validate.Range(10, 480))
    max_runs_per_program = fields.Integer(strict=True, validate=validate.Range(1, 20), load_default=1)
    rank_weights = fields.List(fields.Float(validate=validate.Range(0, 1000), allow_nan=False),
                               validate=validate.Length(min=1, max=50), allow_none=True,
                               load_default=None)
    deadlines = fields.Nested(DeadlinesForm, required=True)

    @validates_schema
    def _consistent(self, data, **_kwargs):
        no_repeats(data, "languages")
        errors: dict = {}
        zone = None
        if "time_zone" in data:
            try:
                if data["time_zone"] not in _time_zones():
                    raise ZoneInfoNotFoundError(data["time_zone"])
                zone = ZoneInfo(data["time_zone"])
            except (ZoneInfoNotFoundError, ValueError):
                errors["time_zone"] = ["not an IANA time zone (e.g. America/Bogota)"]
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            errors["ends_on"] = ["must not be before starts_on"]
        elif starts and ends and ends - starts > timedelta(days=31):
            errors["ends_on"] = ["a workshop lasts at most 31 days"]
        sessions = data.get("sessions") or []
        if zone and starts and ends and sessions and "ends_on" not in errors:
            for index, session in enumerate(sessions):
                day = session["starts_at"].astimezone(zone).date()
                if not starts <= day <= ends:
                    errors.setdefault("sessions", {})[index] = {
                        "starts_at": ["must fall between starts_on and ends_on, in the workshop's time zone"]}
        minutes = data.get("round_minutes")
        for index in range(1, len(sessions)):
            gap = sessions[index]["starts_at"] - sessions[index - 1]["starts_at"]
            if gap <= timedelta(0) or (minutes and gap < timedelta(minutes=minutes)):
                errors.setdefault("sessions", {}).setdefault(index, {})["starts_at"] = [
                    "sessions must be in order, each at least round_minutes after the previous one"]
        if errors:
            raise ValidationError(errors)


class LateWindowForm(Form):
    delegation_id = Ref(required=True)
    form = Choice(domain.DEADLINE_FORMS, required=True)
    until = fields.AwareDateTime(required=True, metadata={
        "description": "the delegation may submit this form until then"})


# -- staff -------------------------------------------------------------------

class StaffForm(Form):
    name = Text(1, 200, required=True)
    email = fields.Email(required=True, validate=validate.Length(max=320))
    language = Language(required=True)
    roles = Set(Choice(domain.STAFF_ROLES), 1, 4, required=True)
    active = fields.Boolean(load_default=True)

    @validates_schema
    def _unique(self, data, **_kwargs):
        no_repeats(data, "roles")


# -- delegation registration ---------------------------------------------------

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


# -- program profile (supply) ------------------------------------------------------

class ProgramProfileForm(Form):
    delegation_id = Ref(required=True)
    title = Text(3, 300, required=True)
    institution = Text(2, 300, metadata={"description": "presenting institution; the delegation's when absent"})
    country = Text(2, 100, metadata={"description": "the delegation's when absent"})
    topics = Set(Choice(domain.TOPICS), 1, 10, required=True)
    areas_of_influence = Set(Choice(domain.AREAS_OF_INFLUENCE), 0, 4)
    target_populations = Set(Choice(domain.TARGET_POPULATIONS), 0, 10)
    other_population = Text(1, 200, metadata={"description": "required when target_populations has 'other'"})
    starts_on = fields.Date()
    ends_on = fields.Date(allow_none=True, metadata={"description": "estimated completion; null = indefinite"})
    statuses = Set(Choice(domain.PROGRAM_STATUSES), 0, 4)
    objectives = Text(1, 5000)
    achievements = Text(1, 5000)
    other_organisations = fields.List(Text(1, 300), validate=validate.Length(max=30))
    exchange_methods = Set(Choice(domain.EXCHANGE_METHODS), 0, 7)

    @validates_schema
    def _consistent(self, data, **_kwargs):
        no_repeats(data, "topics", "areas_of_influence", "target_populations", "statuses",
                   "exchange_methods")
        if "other" in (data.get("target_populations") or []) and not data.get("other_population"):
            raise ValidationError("say which population, since target_populations has 'other'",
                                  "other_population")
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            raise ValidationError("must not be before starts_on", "ends_on")


# -- programmatic interest (demand) ----------------------------------------------------

class InterestForm(Form):
    delegation_id = Ref(required=True)
    programs = Set(Ref(), 1, 30, required=True, metadata={
        "description": "program ids of the same workshop, most wanted first; never the delegation's own"})
    topics = Set(Choice(domain.TOPICS), 0, 10)
    attending_delegate_ids = Set(Ref(), 0, 50, metadata={
        "description": "delegates of this delegation who will attend"})

    @validates_schema
    def _unique(self, data, **_kwargs):
        no_repeats(data, "programs", "topics", "attending_delegate_ids")


# -- expression of interest -----------------------------------------------------------

class RoundForm(Form):
    session = fields.Integer(required=True, strict=True, validate=validate.Range(1, 20))
    table = fields.Integer(required=True, strict=True, validate=validate.Range(1, 100))
    program_id = Ref(required=True)


class ExpressionOfInterestForm(Form):
    demanding_delegation_id = Ref(required=True)
    supplying_delegation_ids = Set(Ref(), 0, 10, load_default=list, metadata={
        "description": "one, several, or empty when not yet defined"})
    program_id = Ref(allow_none=True, load_default=None, metadata={
        "description": "the program it is about; or give a topic"})
    topic = Choice(domain.TOPICS, allow_none=True, load_default=None, metadata={
        "description": "the topic it is about, when no single program is"})
    activity_types = Set(Choice(domain.ACTIVITY_TYPES), 1, 5, required=True)
    mechanism = Choice(domain.MECHANISMS, required=True)
    focus = Choice(domain.FOCUS, required=True)
    description = Text(1, 5000, required=True)
    contact_delegate_ids = Set(Ref(), 0, 20, load_default=list)
    round = fields.Nested(RoundForm, allow_none=True, load_default=None, metadata={
        "description": "the round it was signed at, if any"})

    @validates_schema
    def _consistent(self, data, **_kwargs):
        no_repeats(data, "supplying_delegation_ids", "activity_types", "contact_delegate_ids")
        errors = {}
        if bool(data.get("program_id")) == bool(data.get("topic")):
            errors["_schema"] = ["give either program_id or topic (exactly one)"]
        if data.get("demanding_delegation_id") in (data.get("supplying_delegation_ids") or []):
            errors["supplying_delegation_ids"] = ["the demanding delegation cannot also supply"]
        if errors:
            raise ValidationError(errors)


class ReviewForm(Form):
    decision = Choice(domain.REVIEW_DECISIONS, required=True)
    reason = Text(1, 2000, allow_none=True, load_default=None, metadata={
        "description": "required when the program is returned"})
    version = fields.Integer(strict=True, validate=validate.Range(min=1), metadata={
        "description": "the revision reviewed; refused if it is no longer the latest"})

    @validates_schema
    def _reason(self, data, **_kwargs):
        if data.get("decision") == "returned" and not data.get("reason"):
            raise ValidationError("say why the program is returned", "reason")


class WithdrawForm(Form):
    reason = Text(1, 2000, allow_none=True, load_default=None)


FORMS = {
    "program": ProgramProfileForm,
    "interest": InterestForm,
    "expression_of_interest": ExpressionOfInterestForm,
}


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


class ReviewView(Schema):
    decision = fields.String()
    reason = fields.String(allow_none=True)
    version = fields.Integer()
    reviewed_at = fields.String(metadata={"format": "date-time"})  # stored as ISO 8601


class FormView(Schema):
    id = fields.String()
    kind = fields.String(metadata={"enum": list(FORMS)})
    workshop_id = fields.String()
    delegation_id = fields.String(metadata={"description": "the delegation that owns the form "
                                            "(the demanding one for an expression of interest)"})
    status = fields.String(metadata={"enum": ["draft", "submitted", "withdrawn"]})
    version = fields.Integer(metadata={"description": "latest submitted revision; 0 while only a draft"})
    title = fields.String(allow_none=True, metadata={"description": "program profiles only"})
    submitted_at = fields.AwareDateTime(allow_none=True)
    withdrawn_at = fields.AwareDateTime(allow_none=True)
    review = fields.Nested(ReviewView, allow_none=True)
    form = fields.Dict(allow_none=True, metadata={"description": "the latest submitted revision"})
    draft = fields.Dict(allow_none=True, metadata={"description": "the saved draft, if any"})
    updated_at = fields.AwareDateTime()


class FormListView(Schema):
    items = fields.List(fields.Dict(), metadata={"description": "forms, as GET returns each"})


class VersionView(Schema):
    version = fields.Integer()
    action = fields.String(metadata={"enum": ["submitted", "withdrawn", "erased"]})
    recorded_at = fields.AwareDateTime()
    form = fields.Dict()


class VersionsView(Schema):
    id = fields.String()
    versions = fields.List(fields.Nested(VersionView))


class WorkshopView(Schema):
    id = fields.String()
    version = fields.Integer()
    form = fields.Dict()
    late_windows = fields.List(fields.Dict())
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class StaffView(Schema):
    id = fields.String()
    version = fields.Integer()
    name = fields.String()
    language = fields.String()
    roles = fields.List(fields.String())
    active = fields.Boolean()


class ErasureView(Schema):
    delegate_id = fields.String()
    delegation_id = fields.String()
    erased_at = fields.AwareDateTime()


class ErrorField(Schema):
    path = fields.String(metadata={"description": "where in the body, e.g. delegates[0].email"})
    message = fields.String()


class ErrorView(Schema):
    error = fields.String(metadata={"description": "stable code, e.g. invalid, deadline_passed"})
    message = fields.String()
    fields_ = fields.List(fields.Nested(ErrorField), data_key="fields")
    correlation_id = fields.String()


# -- published events (payload schemas) -------------------------------------------

def Id(description: str, **kw):  # noqa: N802
    return fields.String(required=True, metadata={"format": "uuid", "description": description}, **kw)


def Instant(description: str, **kw):  # noqa: N802
    return fields.AwareDateTime(metadata={"description": description}, **kw)


def Version(description="revision of the entity: 1, 2, ...; readers keep the highest seen"):  # noqa: N802
    return fields.Integer(required=True, strict=True, validate=validate.Range(min=1),
                          metadata={"description": description})


def Slugs(description: str, **kw):  # noqa: N802
    return fields.List(fields.String(), required=True, metadata={"description": description}, **kw)


class Event(Schema):
    class Meta:
        # a producer schema loads exactly what it documents
        unknown = RAISE


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


class StaffMemberRegistered(Event):
    """staff_member_registered v1: a member of the secretariat's staff; no email."""
    staff_id = Id("intake's id for the staff member")
    name = fields.String(required=True, metadata={"description": "full name"})
    roles = fields.List(Choice(domain.STAFF_ROLES), required=True,
                        metadata={"description": "what the member does for the network"})
    language = Language(required=True, metadata={"description": "the language to write to them in"})
    active = fields.Boolean(required=True, metadata={"description": "false once they left"})
    version = Version()


class StaffContactsUpdated(StaffMemberRegistered):
    """staff_contacts_updated v1: how to reach a staff member; for notify only."""
    email = fields.Email(required=True, metadata={"description": "never log it"})


class SessionRef(Event):
    number = fields.Integer(required=True, metadata={"description": "1, 2, ... in time order"})
    starts_at = Instant("when the session's first round starts", required=True)


class Deadlines(Event):
    programs = Instant("last moment for program profiles", required=True)
    interests = Instant("last moment for programmatic interest forms", required=True)
    expressions_of_interest = Instant("last moment for expressions of interest", required=True)


class LateWindow(Event):
    delegation_id = Id("the delegation allowed to submit late")
    form = Choice(domain.DEADLINE_FORMS, required=True)
    until = Instant("end of the late window", required=True)


class WorkshopPublished(Event):
    """workshop_published v1: the grid and deadlines of a workshop."""
    workshop_id = Id("intake's id for the workshop")
    version = Version()
    title = fields.String(required=True)
    place = fields.String(required=True)
    time_zone = fields.String(required=True, metadata={"description": "IANA time zone"})
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    languages = fields.List(Language(), required=True,
                            metadata={"description": "the first is the workshop's default"})
    sessions = fields.List(fields.Nested(SessionRef), required=True)
    tables_per_session = fields.Integer(required=True)
    table_capacity = fields.Integer(required=True, metadata={"description": "seats per table"})
    round_minutes = fields.Integer(required=True)
    max_runs_per_program = fields.Integer(required=True)
    rank_weights = fields.List(fields.Float(), required=True, allow_none=True, metadata={
        "description": "weight of a delegation's 1st, 2nd, ... preference; null = the solver's default"})
    deadlines = fields.Nested(Deadlines, required=True)
    late_windows = fields.List(fields.Nested(LateWindow), required=True)


class ProgramSubmittedV1(Event):
    """program_submitted v1 (retired): a program profile (supply) was submitted."""
    program_id = fields.String(required=True)
    delegation_id = fields.String(required=True)
    title = fields.String(required=True)
    topics = fields.List(fields.String(), required=True)
    version = fields.Integer(required=True)
    submitted_at = fields.AwareDateTime(required=True)


class ProgramSubmitted(Event):
    """program_submitted v2: a revision of a program profile (supply) was submitted."""
    program_id = Id("intake's id for the program, the same across its revisions")
    workshop_id = Id("the workshop")
    delegation_id = Id("the delegation that presents it")
    version = Version()
    title = fields.String(required=True)
    country = fields.String(required=True)
    topics = Slugs("topic slugs; readers keep or ignore one they do not know")
    areas_of_influence = Slugs("national, departmental, municipal, community")
    target_populations = Slugs("population slugs; readers tolerate unknown ones")
    statuses = Slugs("design, implementation, monitoring, evaluation")
    exchange_methods = Slugs("preferred methods of exchange")
    starts_on = fields.Date(required=True, allow_none=True)
    ends_on = fields.Date(required=True, allow_none=True, metadata={"description": "null = indefinite"})
    missing_fields = Slugs("recommended fields left empty, for the receipt")
    submitted_at = Instant("when intake accepted this revision", required=True)


class ProgramWithdrawn(Event):
    """program_withdrawn v1."""
    program_id = Id("the program")
    workshop_id = Id("the workshop")
    delegation_id = Id("the delegation that presented it")
    version = Version("the revision it was withdrawn at; a higher submitted version re-opens it")
    withdrawn_at = Instant("when intake accepted the withdrawal", required=True)


class ProgramReviewed(Event):
    """program_reviewed v1: the secretariat accepted or returned a revision."""
    program_id = Id("the program")
    workshop_id = Id("the workshop")
    delegation_id = Id("the delegation that presented it")
    version = Version("the revision reviewed")
    decision = Choice(domain.REVIEW_DECISIONS, required=True)
    reason = fields.String(required=True, allow_none=True,
                           metadata={"description": "null when accepted"})
    reviewed_at = Instant("when the secretariat decided", required=True)


class InterestSubmitted(Event):
    """interest_submitted v1: a revision of a programmatic interest form (demand)."""
    interest_id = Id("intake's id for the interest form, the same across revisions")
    workshop_id = Id("the workshop")
    delegation_id = Id("the demanding delegation")
    version = Version()
    programs = fields.List(fields.String(), required=True,
                           metadata={"description": "program ids, most wanted first"})
    topics = Slugs("topics of interest")
    attending_delegate_ids = fields.List(fields.String(), required=True)
    submitted_at = Instant("when intake accepted this revision", required=True)


class InterestWithdrawn(Event):
    """interest_withdrawn v1."""
    interest_id = Id("the interest form")
    workshop_id = Id("the workshop")
    delegation_id = Id("the delegation")
    version = Version("the revision it was withdrawn at")
    withdrawn_at = Instant("when intake accepted the withdrawal", required=True)


class RoundRef(Event):
    session = fields.Integer(required=True)
    table = fields.Integer(required=True)
    program_id = fields.String(required=True)


class ExpressionOfInterestSubmitted(Event):
    """expression_of_interest_submitted v1: a cooperation activity was proposed."""
    expression_id = Id("intake's id for the expression of interest")
    workshop_id = Id("the workshop")
    version = Version()
    demanding_delegation_id = Id("the delegation that wants to learn")
    supplying_delegation_ids = fields.List(fields.String(), required=True,
                                           metadata={"description": "empty = not yet defined"})
    program_id = fields.String(required=True, allow_none=True)
    topic = fields.String(required=True, allow_none=True,
                          metadata={"description": "set when program_id is null"})
    activity_types = Slugs("academic, expert_visit, virtual, internship, study_tour")
    mechanism = fields.String(required=True)
    focus = fields.String(required=True)
    description = fields.String(required=True)
    contact_delegate_ids = fields.List(fields.String(), required=True)
    round = fields.Nested(RoundRef, required=True, allow_none=True)
    submitted_at = Instant("when intake accepted this revision", required=True)


class ExpressionOfInterestWithdrawn(Event):
    """expression_of_interest_withdrawn v1."""
    expression_id = Id("the expression of interest")
    workshop_id = Id("the workshop")
    version = Version("the revision it was withdrawn at")
    withdrawn_at = Instant("when intake accepted the withdrawal", required=True)


PUBLISHED = {
    ("workshop_published", 1): WorkshopPublished,
    ("delegation_registered", 1): DelegationRegisteredV1,   # retired: no longer published
    ("delegation_registered", 2): DelegationRegistered,
    ("delegation_withdrawn", 1): DelegationWithdrawn,
    ("delegation_contacts_updated", 1): DelegationContactsUpdatedV1,  # retired
    ("delegation_contacts_updated", 2): DelegationContactsUpdated,
    ("delegate_erased", 1): DelegateErased,
    ("staff_member_registered", 1): StaffMemberRegistered,
    ("staff_contacts_updated", 1): StaffContactsUpdated,
    ("program_submitted", 1): ProgramSubmittedV1,   # retired
    ("program_submitted", 2): ProgramSubmitted,
    ("program_withdrawn", 1): ProgramWithdrawn,
    ("program_reviewed", 1): ProgramReviewed,
    ("interest_submitted", 1): InterestSubmitted,
    ("interest_withdrawn", 1): InterestWithdrawn,
    ("expression_of_interest_submitted", 1): ExpressionOfInterestSubmitted,
    ("expression_of_interest_withdrawn", 1): ExpressionOfInterestWithdrawn,
}

# what intake publishes today: the highest version of each event type
CURRENT = {event_type: max(v for t, v in PUBLISHED if t == event_type)
           for event_type, _ in PUBLISHED}


def event_payload(event_type: str, data: dict) -> dict:
    """The payload of the current version of `event_type`, through its schema."""
    return PUBLISHED[(event_type, CURRENT[event_type])]().dump(data)
