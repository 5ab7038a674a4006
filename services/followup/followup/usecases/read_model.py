"""What followup learns from intake and matching: workshops, delegations,
programs, staff and schedules, kept at their latest version whatever the
order and number of deliveries."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from rueda_backbone.read_models import keep_latest

from .. import domain
from ..exceptions import DelegationNotKnownYet, UnknownTimeZone
from ..models import Delegation, Program, ScheduleRound, StaffMember, Workshop


def workshop_row(session, workshop_id: str) -> Workshop:
    """The workshop's row, added with its defaults when none exists yet."""
    workshop = session.get(Workshop, workshop_id)
    if workshop is None:
        workshop = Workshop(id=workshop_id, version=0, cadence_days={}, schedule_revision=0)
        session.add(workshop)
    return workshop


def record_workshop(message: dict, *, uow, now: datetime) -> Workshop:
    """intake's workshop_published: its title and time zone."""
    if message["time_zone"] and not domain.known_time_zone(message["time_zone"]):
        # lateness is computed in this zone: an unknown one must not stall the timer
        raise UnknownTimeZone(message["time_zone"])
    workshop = workshop_row(uow.session, message["workshop_id"])
    if message["version"] > workshop.version:
        workshop.version = message["version"]
        workshop.title = message["title"]
        workshop.time_zone = message["time_zone"]
    return workshop


def record_delegation(message: dict, *, uow, now: datetime) -> Delegation:
    """intake's delegation_registered: know the delegation, so its activities can
    name it (acronym and country, or region for a subregional mechanism or an
    international organisation) and its focal point."""
    delegation = uow.session.get(Delegation, message["delegation_id"])
    version = message.get("version") or 0
    if delegation is not None and version and version <= delegation.version:
        return delegation  # a duplicate or an older revision arriving late
    delegation = delegation or Delegation(id=message["delegation_id"])
    delegation.institution = message["institution"]
    delegation.acronym = message["acronym"]
    # a delegation that gives a region is not from a country: intake's v3 also
    # puts the region's name in `country` for older readers, never counted as one
    delegation.region = message.get("region") or None
    delegation.country = None if delegation.region else message.get("country")
    delegation.kind = message["kind"]
    delegation.focal_point_delegate_id = next(
        (d["delegate_id"] for d in message["delegates"] if d["is_focal_point"]), None
    )
    delegation.registered_at = message["registered_at"]
    delegation.workshop_id = message.get("workshop_id") or delegation.workshop_id
    delegation.version = max(version, delegation.version or 0)
    if (
        delegation.withdrawn_version is not None
        and delegation.version > delegation.withdrawn_version
    ):
        delegation.withdrawn_version = None
    uow.session.add(delegation)
    return delegation


def withdraw_delegation(message: dict, *, uow, now: datetime) -> Delegation:
    """intake's delegation_withdrawn: mark the delegation withdrawn; its
    activities stay, since they were signed, and the status report shows the
    withdrawal. A withdrawal before the registration is retried (the
    registration carries the names)."""
    delegation = uow.session.get(Delegation, message["delegation_id"])
    if delegation is None:
        raise DelegationNotKnownYet(f"delegation {message['delegation_id']} not known yet")
    if message["version"] >= (delegation.version or 0):
        delegation.withdrawn_version = message["version"]
    return delegation


def record_program(message: dict, *, uow, now: datetime) -> bool:
    """intake's program_submitted: the title and topics activities are about;
    an older revision arriving late changes nothing (False)."""
    return keep_latest(
        uow.session,
        Program.__table__,
        {
            "id": message["program_id"],
            "version": message["version"],
            "workshop_id": message.get("workshop_id"),
            "delegation_id": message["delegation_id"],
            "title": message["title"],
            "country": message.get("country"),
            "topics": list(message["topics"]),
            "other_topic": message.get("other_topic"),
        },
    )


def record_staff_member(message: dict, *, uow, now: datetime) -> StaffMember:
    """intake's staff_member_registered: who may own activities, who coordinates."""
    staff = uow.session.get(StaffMember, message["staff_id"])
    if staff is not None and message["version"] <= staff.version:
        return staff
    staff = staff or StaffMember(id=message["staff_id"])
    staff.version = message["version"]
    staff.name = message["name"]
    staff.roles = list(message["roles"])
    staff.active = message["active"]
    staff.language = message.get("language")
    uow.session.add(staff)
    return staff


def record_schedule(message: dict, *, uow, now: datetime) -> Workshop:
    """matching's schedule_published: keep the latest revision's rounds;
    activities find their round by session and table."""
    workshop = workshop_row(uow.session, message["workshop_id"])
    if message["revision"] <= workshop.schedule_revision:
        return workshop
    workshop.schedule_revision = message["revision"]
    uow.session.execute(
        sa.delete(ScheduleRound).where(ScheduleRound.workshop_id == message["workshop_id"])
    )
    for round_ in message["rounds"]:
        uow.session.add(
            ScheduleRound(
                workshop_id=message["workshop_id"],
                round_id=round_["round_id"],
                session=round_["session"],
                table=round_["table"],
                program_id=round_["program_id"],
                starts_at=round_["starts_at"],
            )
        )
    return workshop
