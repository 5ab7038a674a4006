"""Read-only lists for the staff console (and any client that must page
through what intake holds): the query each list accepts and its answer.

Every list is paginated with `limit` (1..200, 50 by default) and `offset`,
and says its `total`, so a client can show "21-40 of 73"."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from .. import domain
from .base import Choice, Form, Ref
from .delegations import DelegationView
from .forms import FORMS, FormView
from .staff import StaffView
from .workshops import WorkshopView

FORM_STATUSES = ("draft", "submitted", "withdrawn")
REVIEW_STATES = ("pending", "accepted", "returned")
# the forms a delegation is chased for ("who has not submitted")
CHASED_FORMS = ("program", "interest")


class Page(Form):
    limit = fields.Integer(
        load_default=50,
        validate=validate.Range(1, 200),
        metadata={"description": "at most this many items (1..200)"},
    )
    offset = fields.Integer(
        load_default=0,
        validate=validate.Range(0, 1_000_000),
        metadata={"description": "skip this many items first"},
    )


class WorkshopQuery(Page):
    pass


class StaffQuery(Page):
    active = fields.Boolean(
        metadata={"description": "only active (true) or former (false) members"}
    )
    role = Choice(domain.STAFF_ROLES, metadata={"description": "only members with this role"})


class DelegationQuery(Page):
    status = Choice(
        ("registered", "withdrawn"), metadata={"description": "only delegations in this state"}
    )
    missing = Choice(
        CHASED_FORMS,
        metadata={
            "description": "only delegations that have not submitted this form (program or interest)"
        },
    )


class WorkshopFormQuery(Page):
    kind = Choice(
        tuple(FORMS), metadata={"description": "program, interest or expression_of_interest"}
    )
    status = Choice(FORM_STATUSES, metadata={"description": "draft, submitted or withdrawn"})
    review = Choice(
        REVIEW_STATES,
        metadata={
            "description": "program profiles by review: pending (submitted, not reviewed), accepted, returned"
        },
    )
    delegation_id = Ref(metadata={"description": "only this delegation's forms"})


class Paged(Schema):
    total = fields.Integer(metadata={"description": "how many match, over every page"})
    limit = fields.Integer()
    offset = fields.Integer()


class WorkshopListView(Paged):
    items = fields.List(fields.Nested(WorkshopView), metadata={"description": "newest first"})


class StaffListView(Paged):
    items = fields.List(fields.Nested(StaffView), metadata={"description": "by name"})


class FormSummary(Schema):
    id = fields.String()
    kind = fields.String(metadata={"enum": list(FORMS)})
    status = fields.String(metadata={"enum": list(FORM_STATUSES)})
    version = fields.Integer()
    title = fields.String(allow_none=True)
    submitted_at = fields.AwareDateTime(allow_none=True)
    review = fields.Dict(
        allow_none=True, metadata={"description": "program profiles: the latest review"}
    )


class DelegationStatusView(DelegationView):
    forms = fields.List(
        fields.Nested(FormSummary),
        metadata={
            "description": "the delegation's forms (an expression of interest under its demanding delegation)"
        },
    )
    missing = fields.List(
        fields.String(),
        metadata={
            "description": "program and/or interest when the delegation has no submitted one"
        },
    )


class DelegationListView(Paged):
    items = fields.List(
        fields.Nested(DelegationStatusView),
        metadata={"description": "by country (or region) and institution"},
    )


class WorkshopFormListView(Paged):
    items = fields.List(
        fields.Nested(FormView), metadata={"description": "oldest submission first"}
    )
