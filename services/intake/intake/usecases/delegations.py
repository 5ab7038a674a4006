"""Delegations: registered for a workshop, revised whole, withdrawn. Each
revision tells the suite who the delegates are (names) and, for notify only,
how to reach them (emails)."""

from __future__ import annotations

from datetime import datetime

from rueda_backbone import Conflict, Invalid

from .. import domain, schemas
from ..models import Delegate, Delegation, Workshop
from . import history, lookup


def _registered(delegation: Delegation, *, imported: bool) -> dict:
    return {
        "delegation_id": delegation.id,
        "workshop_id": delegation.workshop_id,
        "version": delegation.version,
        # readers of v1 and v2 expect a place name here: a region's is one
        "country": delegation.country,
        "region": delegation.region,
        "institution": delegation.institution,
        "acronym": delegation.acronym,
        "kind": delegation.kind,
        "working_languages": delegation.working_languages,
        "registered_at": delegation.registered_at,
        "imported": imported,
        "delegates": [
            {
                "delegate_id": d.id,
                "name": d.name,
                "role": d.role,
                "language": d.language,
                "languages": domain.spoken_languages(d),
                "sessions": d.sessions,
                "is_focal_point": d.is_focal_point,
            }
            for d in delegation.delegates
        ],
    }


def publish_revision(
    delegation: Delegation, uow, *, now: datetime, import_id: str | None = None
) -> None:
    """Keep the revision and publish it: the registration, then its contacts.
    A revision an archive import made is kept as "imported", with its import."""
    registered = schemas.PUBLISHED.event(
        "delegation_registered", _registered(delegation, imported=bool(import_id))
    )
    history.record_version(
        uow.session,
        delegation.id,
        "delegation",
        delegation.version,
        "imported" if import_id else "submitted",
        registered.payload,
        now=now,
        import_id=import_id,
        by=uow.who,
    )
    uow.publish(
        registered,
        schemas.PUBLISHED.event(
            "delegation_contacts_updated",
            {
                "delegation_id": delegation.id,
                "workshop_id": delegation.workshop_id,
                "version": delegation.version,
                "contacts": [
                    {
                        "delegate_id": d.id,
                        "name": d.name,
                        "email": d.email,
                        "language": d.language,
                        "is_focal_point": d.is_focal_point,
                    }
                    for d in delegation.delegates
                ],
            },
        ),
    )


def check_sessions(form: dict, workshop: Workshop) -> None:
    """Every session a delegate is present at is one of the workshop's grid."""
    count = len(lookup.workshop_form(workshop)["sessions"])
    errors = [
        {
            "path": f"delegates[{index}].sessions[{position}]",
            "message": f"this workshop has {count} sessions (1 to {count})",
        }
        for index, entry in enumerate(form["delegates"])
        for position, number in enumerate(entry.get("sessions") or [])
        if number > count
    ]
    if errors:
        raise Invalid("some fields are invalid", errors)


def _apply_registration(delegation: Delegation, form: dict) -> None:
    """Copy a registration form onto a delegation; a delegate who keeps their
    email keeps their id, so other forms that name them stay valid (a new
    delegate takes the id the form gives, as an archive import does)."""
    focal = domain.focal_point_index(form["delegates"], form.get("focal_point_email"))
    delegation.region = form.get("region")
    delegation.country = form.get("country") or delegation.region
    delegation.institution = form["institution"]
    delegation.acronym = form.get("acronym")
    delegation.kind = form["kind"]
    delegation.working_languages = form.get("working_languages") or sorted(
        {d["language"] for d in form["delegates"]}
    )
    known = {d.email.lower(): d for d in delegation.delegates}
    delegates = []
    for index, entry in enumerate(form["delegates"]):
        delegate = known.get(entry["email"].lower()) or Delegate(
            id=entry.get("delegate_id") or lookup.new_id()
        )
        delegate.position = index
        delegate.name = entry["name"]
        delegate.email = entry["email"]
        delegate.role = entry.get("role")
        delegate.language = entry["language"]
        delegate.languages = entry.get("languages") or None
        delegate.sessions = entry.get("sessions")
        delegate.is_focal_point = index == focal
        delegates.append(delegate)
    delegation.delegates = delegates


def register_delegation(command: dict, *, uow, now: datetime) -> Delegation:
    """Register a delegation for a workshop (a loaded
    `DelegationRegistrationForm`; "delegation_id", when given, is the id to
    register it under, a sender's own)."""
    return register(command, uow=uow, now=now)


def register(command: dict, *, uow, now: datetime, import_id: str | None = None) -> Delegation:
    """`register_delegation`, also for an archive import (`import_id`)."""
    workshop = lookup.workshop(uow.session, command["workshop_id"], field="workshop_id")
    check_sessions(command, workshop)
    delegation = Delegation(
        id=command.get("delegation_id") or lookup.new_id(),
        workshop_id=command["workshop_id"],
        version=1,
        status="registered",
        registered_at=now,
        updated_at=now,
    )
    _apply_registration(delegation, command)
    uow.session.add(delegation)
    uow.session.flush()
    publish_revision(delegation, uow, now=now, import_id=import_id)
    return delegation


def revise_delegation(command: dict, *, uow, now: datetime) -> Delegation:
    """A new revision of a registration replaces the whole delegation and
    re-opens a withdrawn one: {"delegation_id", **DelegationRegistrationForm}."""
    delegation = lookup.delegation(uow.session, command["delegation_id"])
    if command["workshop_id"] != delegation.workshop_id:
        raise Invalid.field(
            "workshop_id",
            "a delegation cannot move to another workshop; register it again for that one",
        )
    check_sessions(command, lookup.workshop(uow.session, delegation.workshop_id))
    delegation.status = "registered"
    delegation.withdrawn_at = None
    _apply_registration(delegation, command)
    delegation.version += 1
    delegation.updated_at = now
    uow.session.flush()
    publish_revision(delegation, uow, now=now)
    return delegation


def withdraw_delegation(command: dict, *, uow, now: datetime) -> Delegation:
    """{"delegation_id"}: it no longer takes part; its forms are refused from now on."""
    delegation = lookup.delegation(uow.session, command["delegation_id"])
    if delegation.status == "withdrawn":
        raise Conflict("this delegation already withdrew")
    delegation.status = "withdrawn"
    delegation.withdrawn_at = delegation.updated_at = now
    history.record_version(
        uow.session,
        delegation.id,
        "delegation",
        delegation.version,
        "withdrawn",
        {},
        now=now,
        by=uow.who,
    )
    uow.publish(
        schemas.PUBLISHED.event(
            "delegation_withdrawn",
            {
                "workshop_id": delegation.workshop_id,
                "delegation_id": delegation.id,
                "version": delegation.version,
                "withdrawn_at": now,
            },
        )
    )
    return delegation


def get_delegation(query: dict, *, uow, now: datetime) -> Delegation:
    """{"delegation_id"}."""
    return lookup.delegation(uow.session, query["delegation_id"])
