"""Intake's use cases: plain functions over a unit of work, returning what they made."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from marshmallow import ValidationError
from rueda_backbone import Event

from . import domain, schemas
from .models import Delegate, Delegation, Program


def _now() -> datetime:
    return datetime.now(timezone.utc)


def register_delegation(form: dict, *, uow) -> Delegation:
    """Register a delegation and its delegates; tell the suite who they are."""
    focal = domain.focal_point_index(form["delegates"], form.get("focal_point_email"))
    delegation = Delegation(
        id=str(uuid.uuid4()), country=form["country"], institution=form["institution"],
        acronym=form.get("acronym"), kind=form["kind"],
        working_languages=form.get("working_languages")
        or sorted({d["language"] for d in form["delegates"]}),
        registered_at=_now(),
    )
    delegation.delegates = [
        Delegate(id=str(uuid.uuid4()), position=index, name=d["name"], email=d["email"],
                 role=d.get("role"), language=d["language"], is_focal_point=index == focal)
        for index, d in enumerate(form["delegates"])
    ]
    uow.session.add(delegation)
    uow.publish(
        Event("delegation_registered", schemas.DelegationRegistered().dump({
            "delegation_id": delegation.id, "country": delegation.country,
            "institution": delegation.institution, "acronym": delegation.acronym,
            "kind": delegation.kind, "working_languages": delegation.working_languages,
            "registered_at": delegation.registered_at,
            "delegates": [{"delegate_id": d.id, "name": d.name, "role": d.role,
                           "language": d.language, "is_focal_point": d.is_focal_point}
                          for d in delegation.delegates],
        })),
        Event("delegation_contacts_updated", schemas.DelegationContactsUpdated().dump({
            "delegation_id": delegation.id,
            "contacts": [{"delegate_id": d.id, "name": d.name, "email": d.email,
                          "language": d.language, "is_focal_point": d.is_focal_point}
                         for d in delegation.delegates],
        })),
    )
    return delegation


def submit_program(form: dict, *, uow) -> Program:
    """Accept a program profile (supply) from a registered delegation."""
    if uow.session.get(Delegation, form["delegation_id"]) is None:
        raise ValidationError({"delegation_id": ["no delegation is registered with this id"]})
    program = Program(id=str(uuid.uuid4()), delegation_id=form["delegation_id"],
                      title=form["title"], topics=form["topics"], version=1,
                      submitted_at=_now())
    uow.session.add(program)
    uow.publish(Event("program_submitted", schemas.ProgramSubmitted().dump({
        "program_id": program.id, "delegation_id": program.delegation_id,
        "title": program.title, "topics": program.topics, "version": program.version,
        "submitted_at": program.submitted_at,
    })))
    return program
