"""The archive import form (a past workshop's records, loaded by the
secretariat) and its answer. Each record is the form a delegation sends
today, plus the id the archive gives it, so later records can name earlier
ones (a program its delegation, an expression of interest its contacts)."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from .. import domain
from .base import Form, Line, Ref
from .delegations import DelegateForm, DelegationRegistrationForm
from .forms import ExpressionOfInterestForm, InterestForm, ProgramProfileForm


def _own_id(what: str):
    return Ref(
        metadata={
            "description": f"the archive's id for the {what}, which later records "
            f"may name; intake makes one when absent"
        }
    )


class ArchivedDelegate(DelegateForm):
    delegate_id = _own_id("delegate")


class ArchivedDelegation(DelegationRegistrationForm):
    class Meta(Form.Meta):
        exclude = ("workshop_id",)  # the workshop the import is for

    delegation_id = _own_id("delegation")
    delegates = fields.List(
        fields.Nested(ArchivedDelegate), required=True, validate=validate.Length(min=1, max=50)
    )


class ArchivedProgram(ProgramProfileForm):
    program_id = _own_id("program")


class ArchivedInterest(InterestForm):
    interest_id = _own_id("interest form")


class ArchivedExpression(ExpressionOfInterestForm):
    expression_id = _own_id("expression of interest")


def _records(schema, most: int):
    return fields.List(fields.Nested(schema), load_default=list, validate=validate.Length(max=most))


class ArchiveImportForm(Form):
    source = Line(
        3,
        300,
        required=True,
        metadata={
            "description": "what the records are, e.g. \"Santa Marta 2012: the secretariat's "
            'tables"; kept with the import'
        },
    )
    delegations = _records(ArchivedDelegation, 200)
    programs = _records(ArchivedProgram, 500)
    interests = _records(ArchivedInterest, 200)
    expressions_of_interest = _records(ArchivedExpression, 1000)

    @validates_schema
    def _some_records_each_id_once(self, data, **_kwargs):
        if not any(
            data.get(name)
            for name in ("delegations", "programs", "interests", "expressions_of_interest")
        ):
            raise ValidationError("an import needs at least one record", "_schema")
        ids = {
            "delegation_id": [d.get("delegation_id") for d in data.get("delegations", [])],
            "delegate_id": [
                p.get("delegate_id") for d in data.get("delegations", []) for p in d["delegates"]
            ],
            "program_id": [p.get("program_id") for p in data.get("programs", [])],
            "interest_id": [i.get("interest_id") for i in data.get("interests", [])],
            "expression_id": [
                e.get("expression_id") for e in data.get("expressions_of_interest", [])
            ],
        }
        errors = {}
        for name, values in ids.items():
            repeated = domain.duplicates([value for value in values if value])
            if repeated:
                errors.setdefault("_schema", []).append(
                    f"each {name} at most once in an import; repeated: {', '.join(repeated)}"
                )
        if errors:
            raise ValidationError(errors)


class ArchiveImportView(Schema):
    id = fields.String()
    workshop_id = fields.String()
    source = fields.String()
    imported_by = fields.String(metadata={"description": "who asked: http:<API client>@<address>"})
    imported_at = fields.AwareDateTime()
    counts = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "records imported per section"},
    )
    ids = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "intake's ids of the records, per section, in the order given"},
    )
