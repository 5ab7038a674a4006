"""Keeping matching's copy of intake's workshops, delegations, programs and
interests: one use case per event, `(message, *, uow, now)`, each keeping
the highest version seen so duplicates and late deliveries change nothing.

A change that touches a published schedule asks for a re-plan
(`request_replan`); the planner runs it once the changes stop.
"""

from __future__ import annotations

from datetime import datetime

from rueda_backbone.read_models import keep_latest

from ..models import Delegation, Interest, Program, Workshop
from .lookups import latest_published


def record_workshop(message: dict, *, uow, now: datetime) -> Workshop:
    """Keep the highest version; a moved interest deadline re-arms the automatic
    plan, a changed grid or timetable re-plans a published schedule."""
    workshop = uow.session.get(Workshop, message["workshop_id"])
    if workshop is not None and workshop.version >= message["version"]:
        return workshop
    grid = None if workshop is None else _grid(workshop)
    workshop = workshop or Workshop(id=message["workshop_id"])
    workshop.version = message["version"]
    workshop.title = message["title"]
    workshop.time_zone = message["time_zone"]
    workshop.sessions = [
        {"number": s["number"], "starts_at": s["starts_at"].isoformat()}
        for s in sorted(message["sessions"], key=lambda s: s["number"])
    ]
    workshop.tables_per_session = message["tables_per_session"]
    workshop.table_capacity = message["table_capacity"]
    workshop.round_minutes = message["round_minutes"]
    workshop.max_runs_per_program = message["max_runs_per_program"] or 1
    workshop.rank_weights = message["rank_weights"]
    deadline = (message["deadlines"] or {}).get("interests")
    # interests accepted late still count: plan when the last window closes
    late = [w["until"] for w in message["late_windows"] if w["form"] == "interests"]
    if deadline is not None and late:
        deadline = max(deadline, *late)
    if deadline != workshop.interests_deadline:
        workshop.interests_deadline = deadline
        workshop.deadline_planned_at = None
    uow.session.add(workshop)
    if grid is not None and grid != _grid(workshop):
        # a published timetable may no longer fit the grid, or its times moved
        request_replan(uow, workshop.id, now=now)
    return workshop


def _grid(workshop: Workshop) -> tuple:
    return (
        workshop.sessions,
        workshop.tables_per_session,
        workshop.table_capacity,
        workshop.round_minutes,
        workshop.max_runs_per_program,
        workshop.rank_weights,
    )


def record_delegation(message: dict, *, uow, now: datetime) -> Delegation:
    """A new revision replaces the delegation. From v3 on it keeps each
    delegate (id, sessions present, languages: no name, so an erasure has
    nothing to reach here); older versions only say how many there are.
    Fewer delegates, or a delegate gone or present in other sessions,
    re-plans a published schedule."""
    delegation = uow.session.get(Delegation, message["delegation_id"])
    if delegation is not None and delegation.version >= message["version"]:
        return delegation
    people = _people(message["delegates"])
    fewer = (
        delegation is not None
        and delegation.delegates is not None
        and len(message["delegates"]) < delegation.delegates
    )
    moved = (
        delegation is not None
        and delegation.people is not None
        and _presence(delegation.people) != _presence(people or ())
    )
    delegation = delegation or Delegation(id=message["delegation_id"])
    delegation.workshop_id = message["workshop_id"] or delegation.workshop_id
    delegation.version = message["version"]
    delegation.withdrawn = False
    delegation.name = message["institution"]
    delegation.country = message["country"]
    delegation.delegates = len(message["delegates"])
    delegation.people = people
    delegation.registered_at = message["registered_at"]
    uow.session.add(delegation)
    if fewer or moved:
        request_replan(uow, delegation.workshop_id, now=now)
    return delegation


def _people(delegates: list[dict]) -> list[dict] | None:
    """The delegates as stored, when the version says who they are (v3: their
    sessions and languages); None for a version that only counts them."""
    if not all("languages" in d for d in delegates):
        return None
    return [
        {
            "delegate_id": d["delegate_id"],
            "sessions": sorted(set(d["sessions"])) if d["sessions"] is not None else None,
            "languages": list(dict.fromkeys(d["languages"])),
        }
        for d in delegates
    ]


def _presence(people) -> dict:
    return {p["delegate_id"]: p["sessions"] for p in people}


def withdraw_delegation(message: dict, *, uow, now: datetime) -> Delegation:
    """Withdrawn at its version; only a later registration brings it back."""
    delegation = uow.session.get(Delegation, message["delegation_id"])
    if delegation is not None and (delegation.version > message["version"] or delegation.withdrawn):
        return delegation
    delegation = delegation or Delegation(id=message["delegation_id"])
    delegation.workshop_id = message["workshop_id"]
    delegation.version = message["version"]
    delegation.withdrawn = True
    uow.session.add(delegation)
    request_replan(uow, message["workshop_id"], now=now)
    return delegation


def record_program(message: dict, *, uow, now: datetime) -> bool:
    """Keep the latest version; an older revision arriving late changes
    nothing (False). A revision after a withdrawal reopens the program."""
    return keep_latest(
        uow.session,
        Program.__table__,
        {
            "id": message["program_id"],
            "workshop_id": message["workshop_id"] or None,
            "host_delegation_id": message["delegation_id"],
            "title": message["title"],
            "topics": message["topics"],
            "presenters": list(dict.fromkeys(message.get("presenting_delegate_ids") or ())),
            "version": message["version"],
            "withdrawn": False,
            "submitted_at": message["submitted_at"],
        },
        keep_if_null=("workshop_id",),
    )


def withdraw_program(message: dict, *, uow, now: datetime) -> Program:
    """Withdrawn at its version; a later submission reopens it."""
    program = uow.session.get(Program, message["program_id"])
    if program is not None and (program.version > message["version"] or program.withdrawn):
        return program
    program = program or Program(id=message["program_id"])
    program.workshop_id = message["workshop_id"]
    program.host_delegation_id = program.host_delegation_id or message["delegation_id"]
    program.version = message["version"]
    program.withdrawn = True
    uow.session.add(program)
    request_replan(uow, message["workshop_id"], now=now)
    return program


def review_program(message: dict, *, uow, now: datetime) -> Program | None:
    """A returned revision is not scheduled; a later submitted revision is."""
    program = uow.session.get(Program, message["program_id"])
    if message["decision"] != "returned":
        return program
    if program is None:
        # the review overtook the submission: remember it on an empty row
        program = Program(
            id=message["program_id"], version=0, withdrawn=False, workshop_id=message["workshop_id"]
        )
    if program.returned_version is not None and program.returned_version >= message["version"]:
        return program
    program.returned_version = message["version"]
    uow.session.add(program)
    if program.version <= message["version"]:
        request_replan(uow, message["workshop_id"], now=now)
    return program


def record_interest(message: dict, *, uow, now: datetime) -> Interest:
    """Keep the latest version of a delegation's interest form."""
    interest = uow.session.get(Interest, message["interest_id"])
    if interest is not None and interest.version >= message["version"]:
        return interest
    interest = interest or Interest(id=message["interest_id"])
    interest.workshop_id = message["workshop_id"]
    interest.delegation_id = message["delegation_id"]
    interest.version = message["version"]
    interest.withdrawn = False
    interest.programs = list(message["programs"])
    interest.attendees = list(dict.fromkeys(message.get("attending_delegate_ids") or ()))
    interest.submitted_at = message["submitted_at"]
    uow.session.add(interest)
    return interest


def withdraw_interest(message: dict, *, uow, now: datetime) -> Interest:
    """Withdrawn at its version; a later submission reopens it."""
    interest = uow.session.get(Interest, message["interest_id"])
    if interest is not None and (interest.version > message["version"] or interest.withdrawn):
        return interest
    interest = interest or Interest(id=message["interest_id"])
    interest.workshop_id = message["workshop_id"]
    interest.delegation_id = message["delegation_id"]
    interest.version = message["version"]
    interest.withdrawn = True
    uow.session.add(interest)
    request_replan(uow, message["workshop_id"], now=now)
    return interest


def request_replan(uow, workshop_id: str | None, *, now: datetime) -> bool:
    """Mark a workshop whose published schedule a change affects; the planner
    re-plans it once no further change arrived for the debounce delay."""
    if workshop_id is None or latest_published(uow, workshop_id) is None:
        return False
    workshop = uow.session.get(Workshop, workshop_id)
    if workshop is None:
        return False
    workshop.replan_requested_at = now
    return True
