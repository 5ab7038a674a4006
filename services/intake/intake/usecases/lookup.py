"""Finding what a use case acts on, and refusing when it is not there: a
missing thing named in the path is `NotFound`, one named in a form's field
is `Invalid` at that field."""

from __future__ import annotations

import uuid
from functools import cache

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
    if found is None:
        if field:
            raise Invalid.field(field, "no delegation is registered with this id")
        raise NotFound(f"no delegation {delegation_id}")
    if active and found.status != "registered":
        raise Invalid.field(field or "delegation_id", "this delegation withdrew from the workshop")
    return found


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
    return _schema("WorkshopForm").load(found.form)


def late_windows(found: Workshop) -> list[dict]:
    form = _schema("LateWindowForm")
    return [form.load(window) for window in found.late_windows]
