"""Finding what a use case acts on, and refusing when it is not there: a
missing thing named in the path is `NotFound`, one named in a form's field
is `Invalid` at that field."""

from __future__ import annotations

import json
import uuid
from functools import cache, lru_cache

import sqlalchemy as sa

from rueda_backbone import Invalid, NotFound

from .. import schemas
from ..models import Delegation, FormRecord, Workshop


def new_id() -> str:
    return str(uuid.uuid4())


def workshop(session, workshop_id: str | None, *, field: str | None = None) -> Workshop:
    found = session.get(Workshop, workshop_id) if workshop_id else None
    if found is None:
        if field:
            raise Invalid.field(field, "no workshop is registered with this id")
        raise NotFound(f"no workshop {workshop_id}")
    return found


def delegation(
    session, delegation_id: str | None, *, field: str | None = None, active: bool = False
) -> Delegation:
    found = session.get(Delegation, delegation_id) if delegation_id else None
    return _registered(found, delegation_id, field=field, active=active)


def _registered(
    found: Delegation | None, delegation_id: str | None, *, field: str | None, active: bool
) -> Delegation:
    if found is None:
        if field:
            raise Invalid.field(field, "no delegation is registered with this id")
        raise NotFound(f"no delegation {delegation_id}")
    if active and found.status != "registered":
        raise Invalid.field(field or "delegation_id", "this delegation withdrew from the workshop")
    return found


_WITH_WORKSHOP = (
    sa.select(Delegation, Workshop)
    .outerjoin(Workshop, Workshop.id == Delegation.workshop_id)
    .where(Delegation.id == sa.bindparam("id"))
)


def delegation_and_workshop(
    session, delegation_id: str | None, *, field: str, active: bool = False
) -> tuple[Delegation, Workshop]:
    """`delegation()` and then its `workshop()`, read with one statement (a
    submission needs both); a delegation registered before workshops
    existed is `Invalid` at `field`."""
    row = session.execute(_WITH_WORKSHOP, {"id": delegation_id}).first() if delegation_id else None
    found = _registered(row and row.Delegation, delegation_id, field=field, active=active)
    if found.workshop_id is None:
        raise Invalid.field(field, "this delegation is not registered for a workshop")
    if row.Workshop is None:
        raise NotFound(f"no workshop {found.workshop_id}")
    return found, row.Workshop


def form(session, kind: str, form_id: str) -> FormRecord:
    found = session.get(FormRecord, form_id)
    if found is None or found.kind != kind:
        raise NotFound(f"no {kind.replace('_', ' ')} {form_id}")
    return found


@cache
def _schema(name: str):
    """A schema of `schemas`, built once (a load keeps no state between calls)."""
    return getattr(schemas, name)()


def workshop_form(found: Workshop) -> dict:
    """The workshop's form as loaded (instants as datetimes)."""
    return dict(_loaded("WorkshopForm", json.dumps(found.form, sort_keys=True)))


def late_windows(found: Workshop) -> list[dict]:
    stored = json.dumps(found.late_windows, sort_keys=True)
    return [dict(window) for window in _loaded("LateWindowForm", stored, many=True)]


@lru_cache(maxsize=64)
def _loaded(name: str, stored: str, many: bool = False):
    """A stored form loaded, remembered by its content: every submission
    reads its workshop's deadlines, and loading the workshop form was a
    sixth of a submission's own work. Keyed by the JSON itself, not the
    workshop's version, so a revision that was rolled back can never be
    served; callers get copies of the top level, which is all they change."""
    return _schema(name).load(json.loads(stored), many=many)
