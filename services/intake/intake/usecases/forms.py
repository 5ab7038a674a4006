"""A delegation's forms (program profiles, interest forms, expressions of
interest): drafts, submissions, revisions (the latest wins, version + 1) and
withdrawals, each checked against the form's deadline and its workshop.

Every command names its form kind ("kind": a key of `KINDS`); the form's
fields come beside it, as the form's schema loaded them."""

from __future__ import annotations

from datetime import datetime
from functools import cache

import sqlalchemy as sa
from marshmallow import ValidationError

from rueda_backbone import Conflict, Invalid

from .. import domain, schemas
from ..exceptions import invalid_fields
from ..models import FormRecord
from . import history, lookup
from .checks import CHECKS

# per form kind: the field naming the owning delegation, the deadline it obeys,
# the events it causes, the id field of its events and its HTTP path
KINDS = {
    "program": {
        "owner": "delegation_id",
        "deadline": "programs",
        "submitted": "program_submitted",
        "withdrawn": "program_withdrawn",
        "id_field": "program_id",
        "path": "programs",
    },
    "interest": {
        "owner": "delegation_id",
        "deadline": "interests",
        "submitted": "interest_submitted",
        "withdrawn": "interest_withdrawn",
        "id_field": "interest_id",
        "path": "interests",
    },
    "expression_of_interest": {
        "owner": "demanding_delegation_id",
        "deadline": "expressions_of_interest",
        "submitted": "expression_of_interest_submitted",
        "withdrawn": "expression_of_interest_withdrawn",
        "id_field": "expression_id",
        "path": "expressions-of-interest",
    },
}


def save_draft(command: dict, *, uow, now: datetime) -> FormRecord:
    """Keep a partial form (loaded with `partial=True`); it is checked in full
    only when submitted. {"kind", **draft} makes a new draft,
    {"kind", "form_id", **draft} replaces the draft of an existing form."""
    kind = command["kind"]
    draft = schemas.FORMS[kind]().dump(command)
    owner_field = KINDS[kind]["owner"]
    if command.get("form_id") is None:
        if not draft.get(owner_field):
            raise Invalid.field(owner_field, "a draft must say whose it is")
        delegation = lookup.delegation(uow.session, draft[owner_field], field=owner_field)
        record = FormRecord(
            id=lookup.new_id(),
            kind=kind,
            workshop_id=delegation.workshop_id,
            delegation_id=delegation.id,
            status="draft",
            version=0,
            created_at=now,
        )
        uow.session.add(record)
    else:
        record = lookup.form(uow.session, kind, command["form_id"])
        if draft.get(owner_field, record.delegation_id) != record.delegation_id:
            raise Invalid.field(owner_field, "a form cannot change hands")
    record.draft = draft
    record.updated_at = now
    return record


def submit_form(command: dict, *, uow, now: datetime) -> FormRecord:
    """A first submission: {"kind", **form}; "form_id", when given, is the id
    to create it under (a sender's own)."""
    return _submit(
        command["kind"], command, None, uow=uow, now=now, create_id=command.get("form_id")
    )


def revise_form(command: dict, *, uow, now: datetime) -> FormRecord:
    """A new revision of a form: {"kind", "form_id", **form}. It re-opens a
    withdrawn form and clears a review."""
    record = lookup.form(uow.session, command["kind"], command["form_id"])
    return _submit(command["kind"], command, record, uow=uow, now=now)


def submit_draft(command: dict, *, uow, now: datetime) -> FormRecord:
    """Submit the saved draft of a form, checked in full now: {"kind", "form_id"}."""
    kind = command["kind"]
    record = lookup.form(uow.session, kind, command["form_id"])
    if record.draft is None:
        raise Conflict("there is no draft to submit")
    try:
        form = schemas.FORMS[kind]().load(record.draft)
    except ValidationError as exc:
        raise invalid_fields(exc) from None
    return _submit(kind, form, record, uow=uow, now=now)


def submit_imported(
    kind: str, form: dict, *, uow, now: datetime, import_id: str, create_id: str | None = None
) -> FormRecord:
    """A form of a past workshop loaded by an archive import: checked like any
    other but against no deadline, kept as "imported" with its import."""
    return _submit(kind, form, None, uow=uow, now=now, create_id=create_id, import_id=import_id)


def _submit(
    kind: str,
    form: dict,
    record: FormRecord | None,
    *,
    uow,
    now: datetime,
    create_id: str | None = None,
    import_id: str | None = None,
) -> FormRecord:
    owner_field = KINDS[kind]["owner"]
    delegation, workshop = lookup.delegation_and_workshop(
        uow.session, form[owner_field], field=owner_field, active=True
    )
    if record is not None and record.delegation_id != delegation.id:
        raise Invalid.field(owner_field, "a form cannot change hands")
    if import_id is None:
        domain.check_deadline(
            KINDS[kind]["deadline"],
            deadlines=lookup.workshop_form(workshop)["deadlines"],
            late_windows=lookup.late_windows(workshop),
            delegation_id=delegation.id,
            now=now,
        )
    CHECKS[kind](
        form,
        delegation=delegation,
        workshop=workshop,
        session=uow.session,
        form_id=record.id if record else None,
    )
    if record is None:
        record = FormRecord(
            id=create_id or lookup.new_id(),
            kind=kind,
            workshop_id=workshop.id,
            delegation_id=delegation.id,
            version=0,
            created_at=now,
        )
        uow.session.add(record)
    if kind == "program":
        # a program of a delegation that gives a region is placed in that region
        form = {
            **form,
            "institution": form.get("institution") or delegation.institution,
            "country": form.get("country") or delegation.country_of_its_own,
            "region": None if form.get("country") else delegation.region,
        }
    record.status = "submitted"
    record.version += 1
    record.title = form.get("title")
    record.data = _form_schema(kind).dump(form)
    record.draft = None
    record.review = None
    record.submitted_at = record.updated_at = now
    record.withdrawn_at = None
    history.record_version(
        uow.session,
        record.id,
        kind,
        record.version,
        "imported" if import_id else "submitted",
        record.data,
        now=now,
        import_id=import_id,
        by=uow.who,
    )
    uow.publish(
        schemas.PUBLISHED.event(
            KINDS[kind]["submitted"],
            {**SUBMITTED[kind](record, form), "imported": import_id is not None},
        )
    )
    return record


@cache
def _form_schema(kind: str):
    """The form's schema, built once per kind (a dump keeps no state)."""
    return schemas.FORMS[kind]()


def withdraw_form(command: dict, *, uow, now: datetime) -> FormRecord:
    """{"kind", "form_id"}: a submitted form no longer counts; a later
    revision re-opens it."""
    kind = command["kind"]
    record = lookup.form(uow.session, kind, command["form_id"])
    if record.status != "submitted":
        raise Conflict(f"only a submitted form can be withdrawn; this one is {record.status}")
    record.status = "withdrawn"
    record.withdrawn_at = record.updated_at = now
    history.record_version(
        uow.session, record.id, kind, record.version, "withdrawn", {}, now=now, by=uow.who
    )
    payload = {
        KINDS[kind]["id_field"]: record.id,
        "workshop_id": record.workshop_id,
        "delegation_id": record.delegation_id,
        "version": record.version,
        "withdrawn_at": now,
    }
    if kind == "expression_of_interest":
        del payload["delegation_id"]
    uow.publish(schemas.PUBLISHED.event(KINDS[kind]["withdrawn"], payload))
    return record


def get_form(query: dict, *, uow, now: datetime) -> FormRecord:
    """{"kind", "form_id"}: latest revision, draft and state."""
    return lookup.form(uow.session, query["kind"], query["form_id"])


def workshop_programs(query: dict, *, uow, now: datetime) -> list[FormRecord]:
    """The submitted program profiles of a workshop ({"workshop_id"}), for
    delegations choosing what to ask for (forms are public to the workshop as
    they come in), in the order they came."""
    lookup.workshop(uow.session, query["workshop_id"])
    return list(
        uow.session.scalars(
            sa.select(FormRecord)
            .where(
                FormRecord.kind == "program",
                FormRecord.workshop_id == query["workshop_id"],
                FormRecord.status == "submitted",
            )
            .order_by(FormRecord.submitted_at, FormRecord.id)
        )
    )


# -- what each kind publishes when submitted ---------------------------------------------


def _program_submitted(record: FormRecord, form: dict) -> dict:
    return {
        "program_id": record.id,
        "workshop_id": record.workshop_id,
        "delegation_id": record.delegation_id,
        "version": record.version,
        "title": form["title"],
        "country": form["country"] or form["region"],
        "region": form["region"],
        "topics": form["topics"],
        "other_topic": form.get("other_topic"),
        "presenting_delegate_ids": form.get("presenting_delegate_ids") or [],
        "areas_of_influence": form.get("areas_of_influence") or [],
        "target_populations": form.get("target_populations") or [],
        "statuses": form.get("statuses") or [],
        "exchange_methods": form.get("exchange_methods") or [],
        "starts_on": form.get("starts_on"),
        "ends_on": form.get("ends_on"),
        "missing_fields": domain.missing_program_fields(form),
        "submitted_at": record.submitted_at,
    }


def _interest_submitted(record: FormRecord, form: dict) -> dict:
    return {
        "interest_id": record.id,
        "workshop_id": record.workshop_id,
        "delegation_id": record.delegation_id,
        "version": record.version,
        "programs": form["programs"],
        "topics": form.get("topics") or [],
        "other_topic": form.get("other_topic"),
        "attending_delegate_ids": form.get("attending_delegate_ids") or [],
        "submitted_at": record.submitted_at,
    }


def _expression_submitted(record: FormRecord, form: dict) -> dict:
    return {
        "expression_id": record.id,
        "workshop_id": record.workshop_id,
        "version": record.version,
        "demanding_delegation_id": form["demanding_delegation_id"],
        "supplying_delegation_ids": form.get("supplying_delegation_ids") or [],
        "supplier_status": domain.supplier_status(
            form.get("supplier_status"), form.get("supplying_delegation_ids") or []
        ),
        "program_id": form.get("program_id"),
        "topic": form.get("topic"),
        "other_topic": form.get("other_topic"),
        "activity_types": form["activity_types"],
        "mechanism": form["mechanism"],
        "focus": form["focus"],
        "description": form["description"],
        "contact_delegate_ids": form.get("contact_delegate_ids") or [],
        "round": form.get("round"),
        "submitted_at": record.submitted_at,
    }


SUBMITTED = {
    "program": _program_submitted,
    "interest": _interest_submitted,
    "expression_of_interest": _expression_submitted,
}
