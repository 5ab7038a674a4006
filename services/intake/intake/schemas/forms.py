"""The three forms a delegation submits for a workshop: program profile
(supply), programmatic interest (demand), expression of interest; their HTTP
views and their events."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from .. import domain
from .base import (
    Choice,
    Day,
    Event,
    Form,
    Id,
    Imported,
    Instant,
    Line,
    Ref,
    Set,
    Slugs,
    Text,
    Version,
    no_repeats,
)
from .review import ReviewView

OTHER_TOPIC = domain.OTHER_TOPIC


def OtherTopic(**kw):  # noqa: N802
    return Line(
        1,
        200,
        metadata={
            "description": (
                f"the topic in the form's own words, when `{OTHER_TOPIC}` is chosen (e.g. \"More than "
                '1 option"); reports list it under this label'
            )
        },
        **kw,
    )


def _other_topic(data: dict, chose_other: bool, errors: dict) -> None:
    if chose_other and not data.get("other_topic"):
        errors["other_topic"] = [f"say which topic, since '{OTHER_TOPIC}' was chosen"]
    elif data.get("other_topic") and not chose_other:
        errors["other_topic"] = [f"only with the topic '{OTHER_TOPIC}'"]


# -- program profile (supply) ------------------------------------------------------


class ProgramProfileForm(Form):
    delegation_id = Ref(required=True)
    title = Line(3, 300, required=True)
    institution = Line(
        2, 300, metadata={"description": "presenting institution; the delegation's when absent"}
    )
    country = Line(
        2, 100, metadata={"description": "the delegation's country (or region) when absent"}
    )
    topics = Set(Choice(domain.TOPIC_CHOICES), 1, 10, required=True)
    other_topic = OtherTopic()
    presenting_delegate_ids = Set(
        Ref(),
        0,
        10,
        metadata={
            "description": "the delegates of this delegation who present it at the tables; "
            "absent or empty = not named yet"
        },
    )
    areas_of_influence = Set(Choice(domain.AREAS_OF_INFLUENCE), 0, 4)
    target_populations = Set(Choice(domain.TARGET_POPULATIONS), 0, 10)
    other_population = Line(
        1, 200, metadata={"description": "required when target_populations has 'other'"}
    )
    starts_on = Day()
    ends_on = Day(
        allow_none=True, metadata={"description": "estimated completion; null = indefinite"}
    )
    statuses = Set(Choice(domain.PROGRAM_STATUSES), 0, 4)
    objectives = Text(1, 5000)
    achievements = Text(1, 5000)
    other_organisations = fields.List(Line(1, 300), validate=validate.Length(max=30))
    exchange_methods = Set(Choice(domain.EXCHANGE_METHODS), 0, 7)

    @validates_schema
    def _consistent(self, data, **_kwargs):
        no_repeats(
            data,
            "topics",
            "areas_of_influence",
            "target_populations",
            "statuses",
            "exchange_methods",
            "presenting_delegate_ids",
        )
        errors: dict = {}
        if "other" in (data.get("target_populations") or []) and not data.get("other_population"):
            errors["other_population"] = [
                "say which population, since target_populations has 'other'"
            ]
        _other_topic(data, OTHER_TOPIC in (data.get("topics") or []), errors)
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            errors["ends_on"] = ["must not be before starts_on"]
        if errors:
            raise ValidationError(errors)


# -- programmatic interest (demand) ----------------------------------------------------


class InterestForm(Form):
    delegation_id = Ref(required=True)
    programs = Set(
        Ref(),
        1,
        30,
        required=True,
        metadata={
            "description": "program ids of the same workshop, most wanted first; never the delegation's own"
        },
    )
    topics = Set(Choice(domain.TOPIC_CHOICES), 0, 10)
    other_topic = OtherTopic()
    attending_delegate_ids = Set(
        Ref(), 0, 50, metadata={"description": "delegates of this delegation who will attend"}
    )

    @validates_schema
    def _unique(self, data, **_kwargs):
        no_repeats(data, "programs", "topics", "attending_delegate_ids")
        errors: dict = {}
        _other_topic(data, OTHER_TOPIC in (data.get("topics") or []), errors)
        if errors:
            raise ValidationError(errors)


# -- expression of interest -----------------------------------------------------------


class RoundForm(Form):
    session = fields.Integer(required=True, strict=True, validate=validate.Range(1, 20))
    table = fields.Integer(required=True, strict=True, validate=validate.Range(1, 100))
    program_id = Ref(required=True)


class ExpressionOfInterestForm(Form):
    demanding_delegation_id = Ref(required=True)
    supplying_delegation_ids = Set(
        Ref(),
        0,
        10,
        load_default=list,
        metadata={"description": "the supplying delegations, when `supplier_status` is named"},
    )
    supplier_status = Choice(
        domain.SUPPLIER_STATUSES,
        metadata={
            "description": (
                "named (the delegations listed), several_not_yet_named (several will supply, none "
                "named yet) or not_yet_defined; when absent, named if delegations are listed, else "
                "not_yet_defined"
            )
        },
    )
    program_id = Ref(
        allow_none=True,
        load_default=None,
        metadata={"description": "the program it is about; or give a topic"},
    )
    topic = Choice(
        domain.TOPIC_CHOICES,
        allow_none=True,
        load_default=None,
        metadata={"description": "the topic it is about, when no single program is"},
    )
    other_topic = OtherTopic()
    activity_types = Set(
        Choice(domain.ACTIVITY_TYPES),
        1,
        5,
        required=True,
        metadata={"description": f'or ["{domain.NOT_YET_KNOWN}"] alone'},
    )
    mechanism = Choice(domain.MECHANISMS, required=True)
    focus = Choice(domain.FOCUS, required=True)
    description = Text(1, 5000, required=True)
    contact_delegate_ids = Set(Ref(), 0, 20, load_default=list)
    round = fields.Nested(
        RoundForm,
        allow_none=True,
        load_default=None,
        metadata={"description": "the round it was signed at, if any"},
    )

    @validates_schema
    def _consistent(self, data, **_kwargs):
        no_repeats(data, "supplying_delegation_ids", "activity_types", "contact_delegate_ids")
        errors = {}
        if bool(data.get("program_id")) == bool(data.get("topic")):
            errors["_schema"] = ["give either program_id or topic (exactly one)"]
        suppliers = data.get("supplying_delegation_ids") or []
        if data.get("demanding_delegation_id") in suppliers:
            errors["supplying_delegation_ids"] = ["the demanding delegation cannot also supply"]
        status = data.get("supplier_status")
        if status == "named" and not suppliers:
            errors["supplying_delegation_ids"] = [
                "name at least one, since supplier_status is named"
            ]
        elif status in ("several_not_yet_named", "not_yet_defined") and suppliers:
            errors["supplier_status"] = [
                f"{status} names no delegation; use named, or leave supplying_delegation_ids empty"
            ]
        _other_topic(data, data.get("topic") == OTHER_TOPIC, errors)
        types = data.get("activity_types") or []
        if domain.NOT_YET_KNOWN in types and len(types) > 1:
            errors["activity_types"] = [f"{domain.NOT_YET_KNOWN} goes alone"]
        if errors:
            raise ValidationError(errors)


FORMS = {
    "program": ProgramProfileForm,
    "interest": InterestForm,
    "expression_of_interest": ExpressionOfInterestForm,
}


# -- views (HTTP responses) -------------------------------------------------


class FormView(Schema):
    id = fields.String()
    kind = fields.String(metadata={"enum": list(FORMS)})
    workshop_id = fields.String()
    delegation_id = fields.String(
        metadata={
            "description": "the delegation that owns the form "
            "(the demanding one for an expression of interest)"
        }
    )
    status = fields.String(metadata={"enum": ["draft", "submitted", "withdrawn"]})
    version = fields.Integer(
        metadata={"description": "latest submitted revision; 0 while only a draft"}
    )
    title = fields.String(allow_none=True, metadata={"description": "program profiles only"})
    submitted_at = fields.AwareDateTime(allow_none=True)
    withdrawn_at = fields.AwareDateTime(allow_none=True)
    review = fields.Nested(ReviewView, allow_none=True)
    form = fields.Dict(allow_none=True, metadata={"description": "the latest submitted revision"})
    draft = fields.Dict(allow_none=True, metadata={"description": "the saved draft, if any"})
    updated_at = fields.AwareDateTime()


class FormListView(Schema):
    items = fields.List(fields.Dict(), metadata={"description": "forms, as GET returns each"})


# -- published events --------------------------------------------------------


class ProgramSubmittedV1(Event):
    """program_submitted v1 (retired): a program profile (supply) was submitted."""

    program_id = fields.String(required=True)
    delegation_id = fields.String(required=True)
    title = fields.String(required=True)
    topics = fields.List(fields.String(), required=True)
    version = fields.Integer(required=True)
    submitted_at = fields.AwareDateTime(required=True)


class ProgramSubmittedV2(Event):
    """program_submitted v2 (retired): a revision of a program profile (supply) was submitted."""

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
    ends_on = fields.Date(
        required=True, allow_none=True, metadata={"description": "null = indefinite"}
    )
    missing_fields = Slugs("recommended fields left empty, for the receipt")
    submitted_at = Instant("when intake accepted this revision", required=True)


class ProgramSubmitted(ProgramSubmittedV2):
    """program_submitted v3: v2 plus its presenting delegates, the label of an "other" topic,
    the region of a program of a delegation that gives one, and whether it was imported."""

    country = fields.String(
        required=True,
        metadata={
            "description": "the program's country; for a program of a delegation that gives a "
            "region (`region` set), that region, so v2 readers still get a place"
        },
    )
    region = fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "the region of its delegation, when it gives one instead of a country"
        },
    )
    topics = Slugs(
        f"topic slugs, `{domain.OTHER_TOPIC}` included; readers keep or ignore one they do not know"
    )
    other_topic = fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": f"the label of the `{domain.OTHER_TOPIC}` topic; null when not chosen"
        },
    )
    presenting_delegate_ids = fields.List(
        fields.String(),
        required=True,
        metadata={
            "description": "delegates of the delegation who present it; empty = not named yet "
            "(any of its delegates)"
        },
    )
    imported = Imported()


class ProgramWithdrawn(Event):
    """program_withdrawn v1."""

    program_id = Id("the program")
    workshop_id = Id("the workshop")
    delegation_id = Id("the delegation that presented it")
    version = Version("the revision it was withdrawn at; a higher submitted version re-opens it")
    withdrawn_at = Instant("when intake accepted the withdrawal", required=True)


class InterestSubmittedV1(Event):
    """interest_submitted v1 (retired): a revision of a programmatic interest form (demand)."""

    interest_id = Id("intake's id for the interest form, the same across revisions")
    workshop_id = Id("the workshop")
    delegation_id = Id("the demanding delegation")
    version = Version()
    programs = fields.List(
        fields.String(), required=True, metadata={"description": "program ids, most wanted first"}
    )
    topics = Slugs("topics of interest")
    attending_delegate_ids = fields.List(fields.String(), required=True)
    submitted_at = Instant("when intake accepted this revision", required=True)


class InterestSubmitted(InterestSubmittedV1):
    """interest_submitted v2: v1 plus the label of an "other" topic and whether it was imported."""

    topics = Slugs(f"topics of interest, `{domain.OTHER_TOPIC}` included")
    other_topic = fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": f"the label of the `{domain.OTHER_TOPIC}` topic; null when not chosen"
        },
    )
    attending_delegate_ids = fields.List(
        fields.String(),
        required=True,
        metadata={
            "description": "delegates of this delegation who will attend (checked against it)"
        },
    )
    imported = Imported()


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


class ExpressionOfInterestSubmittedV1(Event):
    """expression_of_interest_submitted v1 (retired): a cooperation activity was proposed."""

    expression_id = Id("intake's id for the expression of interest")
    workshop_id = Id("the workshop")
    version = Version()
    demanding_delegation_id = Id("the delegation that wants to learn")
    supplying_delegation_ids = fields.List(
        fields.String(), required=True, metadata={"description": "empty = not yet defined"}
    )
    program_id = fields.String(required=True, allow_none=True)
    topic = fields.String(
        required=True, allow_none=True, metadata={"description": "set when program_id is null"}
    )
    activity_types = Slugs("academic, expert_visit, virtual, internship, study_tour")
    mechanism = fields.String(required=True)
    focus = fields.String(required=True)
    description = fields.String(required=True)
    contact_delegate_ids = fields.List(fields.String(), required=True)
    round = fields.Nested(RoundRef, required=True, allow_none=True)
    submitted_at = Instant("when intake accepted this revision", required=True)


class ExpressionOfInterestSubmitted(ExpressionOfInterestSubmittedV1):
    """expression_of_interest_submitted v2: v1 plus who supplies when nobody is named, the
    label of an "other" topic, "not_yet_known" activity types, mechanism and focus, and whether
    it was imported."""

    supplying_delegation_ids = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "the suppliers named; empty unless `supplier_status` is named"},
    )
    supplier_status = Choice(
        domain.SUPPLIER_STATUSES,
        required=True,
        metadata={
            "description": "named, several_not_yet_named (several will supply, none named yet) "
            "or not_yet_defined"
        },
    )
    topic = fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": f"set when program_id is null; `{domain.OTHER_TOPIC}` with `other_topic`"
        },
    )
    other_topic = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": f"the label of the `{domain.OTHER_TOPIC}` topic; null otherwise"},
    )
    activity_types = Slugs(
        f"{', '.join(domain.ACTIVITY_TYPES[:-1])}; or {domain.NOT_YET_KNOWN} alone"
    )
    mechanism = fields.String(
        required=True, metadata={"description": f"{', '.join(domain.MECHANISMS)}"}
    )
    focus = fields.String(required=True, metadata={"description": f"{', '.join(domain.FOCUS)}"})
    imported = Imported()


class ExpressionOfInterestWithdrawn(Event):
    """expression_of_interest_withdrawn v1."""

    expression_id = Id("the expression of interest")
    workshop_id = Id("the workshop")
    version = Version("the revision it was withdrawn at")
    withdrawn_at = Instant("when intake accepted the withdrawal", required=True)
