"""followup's use cases."""
from __future__ import annotations

from .models import Delegation


def record_delegation(event: dict, *, uow) -> Delegation:
    """Know the delegation, so its activities can name it and its focal point."""
    delegation = uow.session.get(Delegation, event["delegation_id"]) or Delegation(
        id=event["delegation_id"])
    delegation.institution = event["institution"]
    delegation.acronym = event["acronym"]
    delegation.country = event["country"]
    delegation.kind = event["kind"]
    delegation.focal_point_delegate_id = next(
        (d["delegate_id"] for d in event["delegates"] if d["is_focal_point"]), None)
    delegation.registered_at = event["registered_at"]
    uow.session.add(delegation)
    return delegation
