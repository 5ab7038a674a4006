"""Erasure on request: a delegate is forgotten here and the suite is told to
forget them too."""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa

from rueda_backbone import NotFound

from .. import schemas
from ..models import Delegate, ErasedDelegate, FormVersion
from .delegations import publish_revision


def erase_delegate(command: dict, *, uow, now: datetime) -> dict:
    """{"delegate_id"}: forget the delegate on their request: their row, their
    name in every kept revision; then tell notify (and anyone who kept the
    name) to forget too, and publish the delegation's revision without them."""
    delegate_id = command["delegate_id"]
    delegate = uow.session.get(Delegate, delegate_id)
    if delegate is None:
        raise NotFound(f"no delegate {delegate_id}")
    delegation = delegate.delegation
    was_focal = delegate.is_focal_point
    delegation.delegates.remove(delegate)
    uow.session.add(ErasedDelegate(id=delegate_id, delegation_id=delegation.id, erased_at=now))
    versions = uow.session.scalars(
        sa.select(FormVersion).where(
            FormVersion.subject_id == delegation.id, FormVersion.kind == "delegation"
        )
    ).all()
    for version in versions:
        # a copy: SQLAlchemy sees a JSON column change only when it is reassigned
        data = json.loads(json.dumps(version.data))
        for entry in data.get("delegates", []):
            if entry.get("delegate_id") == delegate_id:
                entry["name"] = "(erased)"
                entry["role"] = None
        version.data = data
    uow.publish(
        schemas.PUBLISHED.event(
            "delegate_erased",
            {
                "workshop_id": delegation.workshop_id,
                "delegation_id": delegation.id,
                "delegate_id": delegate_id,
                "erased_at": now,
            },
        )
    )
    if delegation.delegates:
        # the remaining delegates stay reachable; someone must be the focal point
        for position, remaining in enumerate(delegation.delegates):
            remaining.position = position
        if was_focal:
            delegation.delegates[0].is_focal_point = True
        delegation.version += 1
        delegation.updated_at = now
        uow.session.flush()
        publish_revision(delegation, uow, now=now)
    return {"delegate_id": delegate_id, "delegation_id": delegation.id, "erased_at": now}
