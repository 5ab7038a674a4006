"""Delegations: registered for a workshop, revised whole, withdrawn. Each
revision tells the suite who the delegates are (names) and, for notify only,
how to reach them (emails)."""
from __future__ import annotations

from datetime import datetime

from rueda_backbone import Conflict, Invalid

from .. import domain, schemas
from ..models import Delegate, Delegation
from . import history, lookup


def _registered(delegation: Delegation) -> dict:
    return {
        "delegation_id": delegation.id, "workshop_id": delegation.workshop_id,
        "version": delegation.version, "country": delegation.country,
        "institution": delegation.institution, "acronym": delegation.acronym,
        "kind": delegation.kind, "working_languages": delegation.working_languages,
        "registered_at": delegation.registered_at,
        "delegates": [{"delegate_id": d.id, "name": d.name, "role": d.role,
                       "language": d.language, "is_focal_point": d.is_focal_point}
                      for d in delegation.delegates],
    }


def publish_revision(delegation: Delegation, uow, *, now: datetime) -> None:
    """Keep the revision and publish it: the registration, then its contacts."""
    registered = schemas.PUBLISHED.event("delegation_registered", _registered(delegation))
    history.record_version(uow.session, delegation.id, "delegation", delegation.version,
                           "submitted", registered.payload, now=now)
    uow.publish(registered, schemas.PUBLISHED.event("delegation_contacts_updated", {
        "delegation_id": delegation.id, "workshop_id": delegation.workshop_id,
        "version": delegation.version,
        "contacts": [{"delegate_id": d.id, "name": d.name, "email": d.email,
                      "language": d.language, "is_focal_point": d.is_focal_point}
                     for d in delegation.delegates],
    }))


def _apply_registration(delegation: Delegation, form: dict) -> None:
    """Copy a registration form onto a delegation; a delegate who keeps their
    email keeps their id, so other forms that name them stay valid."""
    focal = domain.focal_point_index(form["delegates"], form.get("focal_point_email"))
    delegation.country = form["country"]
    delegation.institution = form["institution"]
    delegation.acronym = form.get("acronym")
    delegation.kind = form["kind"]
    delegation.working_languages = form.get("working_languages") or sorted(
        {d["language"] for d in form["delegates"]})
    known = {d.email.lower(): d for d in delegation.delegates}
    delegates = []
    for index, entry in enumerate(form["delegates"]):
        delegate = known.get(entry["email"].lower()) or Delegate(id=lookup.new_id())
        delegate.position = index
        delegate.name = entry["name"]
        delegate.email = entry["email"]
        delegate.role = entry.get("role")
        delegate.language = entry["language"]
        delegate.is_focal_point = index == focal
        delegates.append(delegate)
    delegation.delegates = delegates


def register_delegation(command: dict, *, uow, now: datetime) -> Delegation:
    """Register a delegation for a workshop (a loaded
    `DelegationRegistrationForm`; "delegation_id", when given, is the id to
    register it under, a sender's own)."""
    lookup.workshop(uow.session, command["workshop_id"], field="workshop_id")
    delegation = Delegation(id=command.get("delegation_id") or lookup.new_id(),
                            workshop_id=command["workshop_id"], version=1, status="registered",
                            registered_at=now, updated_at=now)
    _apply_registration(delegation, command)
    uow.session.add(delegation)
    uow.session.flush()
    publish_revision(delegation, uow, now=now)
    return delegation


def revise_delegation(command: dict, *, uow, now: datetime) -> Delegation:
    """A new revision of a registration replaces the whole delegation and
    re-opens a withdrawn one: {"delegation_id", **DelegationRegistrationForm}."""
    delegation = lookup.delegation(uow.session, command["delegation_id"])
    if command["workshop_id"] != delegation.workshop_id:
        raise Invalid.field("workshop_id", "a delegation cannot move to another workshop; "
                            "register it again for that one")
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
    history.record_version(uow.session, delegation.id, "delegation", delegation.version,
                           "withdrawn", {}, now=now)
    uow.publish(schemas.PUBLISHED.event("delegation_withdrawn", {
        "workshop_id": delegation.workshop_id, "delegation_id": delegation.id,
        "version": delegation.version, "withdrawn_at": now}))
    return delegation


def get_delegation(query: dict, *, uow, now: datetime) -> Delegation:
    """{"delegation_id"}."""
    return lookup.delegation(uow.session, query["delegation_id"])
