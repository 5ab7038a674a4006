"""The three forms a delegation submits for a workshop: program profile
(supply), programmatic interest (demand), expression of interest; their HTTP
views and their events."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from .. import domain
from .base import Choice, Event, Form, Id, Instant, Ref, Set, Slugs, Text, Version, no_repeats
from .review import ReviewView

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


# -- published events --------------------------------------------------------

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
