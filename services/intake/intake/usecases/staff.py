"""The secretariat's staff: registered and revised; published twice, without
the email for everyone and with it for notify."""

from __future__ import annotations

from datetime import datetime

from rueda_backbone import NotFound

from .. import schemas
from ..models import StaffMember
from . import lookup

FIELDS = ("name", "email", "language", "roles", "active")


def _publish(staff: StaffMember, uow) -> None:
    member = {
        "staff_id": staff.id,
        "name": staff.name,
        "roles": staff.roles,
        "language": staff.language,
        "active": staff.active,
        "version": staff.version,
    }
    uow.publish(
        schemas.PUBLISHED.event("staff_member_registered", member),
        schemas.PUBLISHED.event("staff_contacts_updated", {**member, "email": staff.email}),
    )


def register_staff(command: dict, *, uow, now: datetime) -> StaffMember:
    """A new member of the staff (a loaded `StaffForm`)."""
    staff = StaffMember(
        id=lookup.new_id(),
        version=1,
        created_at=now,
        updated_at=now,
        **{name: command[name] for name in FIELDS},
    )
    uow.session.add(staff)
    _publish(staff, uow)
    return staff


def revise_staff(command: dict, *, uow, now: datetime) -> StaffMember:
    """{"staff_id", **StaffForm}: the whole member again, version + 1."""
    staff = uow.session.get(StaffMember, command["staff_id"])
    if staff is None:
        raise NotFound(f"no staff member {command['staff_id']}")
    for name in FIELDS:
        setattr(staff, name, command[name])
    staff.version += 1
    staff.updated_at = now
    _publish(staff, uow)
    return staff
