"""matching's use cases: keep the read model in step with intake, compute,
pin and publish schedules, and re-plan after withdrawals.

Functions take the unit of work first (`uow`) and the current time as `now`,
so tests control the clock. Solving happens between two short transactions
(`planning_inputs`, then `store_schedule`), never inside one.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from rueda_backbone import ApiError, Conflict, Event, NotFound

from . import domain
from .models import Delegation, Interest, Pin, Program, Schedule, Workshop

# -- read model -----------------------------------------------------------------


def record_workshop(event: dict, *, uow, now: datetime) -> Workshop:
    """Keep the highest version; a moved interest deadline re-arms the automatic
    plan, a changed grid or timetable re-plans a published schedule."""
    workshop = uow.session.get(Workshop, event["workshop_id"])
    if workshop is not None and workshop.version >= event["version"]:
        return workshop
    grid = None if workshop is None else (
        workshop.sessions, workshop.tables_per_session, workshop.table_capacity,
        workshop.round_minutes, workshop.max_runs_per_program, workshop.rank_weights)
    workshop = workshop or Workshop(id=event["workshop_id"])
    workshop.version = event["version"]
    workshop.title = event["title"]
    workshop.time_zone = event["time_zone"]
    workshop.sessions = [{"number": s["number"], "starts_at": s["starts_at"].isoformat()}
                         for s in sorted(event["sessions"], key=lambda s: s["number"])]
    workshop.tables_per_session = event["tables_per_session"]
    workshop.table_capacity = event["table_capacity"]
    workshop.round_minutes = event["round_minutes"]
    workshop.max_runs_per_program = event["max_runs_per_program"] or 1
    workshop.rank_weights = event["rank_weights"]
    deadline = (event["deadlines"] or {}).get("interests")
    # interests accepted late still count: plan when the last window closes
    late = [w["until"] for w in event["late_windows"] if w["form"] == "interests"]
    if deadline is not None and late:
        deadline = max(deadline, *late)
    if deadline != workshop.interests_deadline:
        workshop.interests_deadline = deadline
        workshop.deadline_planned_at = None
    uow.session.add(workshop)
    if grid is not None and grid != (
            workshop.sessions, workshop.tables_per_session, workshop.table_capacity,
            workshop.round_minutes, workshop.max_runs_per_program, workshop.rank_weights):
        # a published timetable may no longer fit the grid, or its times moved
        request_replan(uow, workshop.id, now=now)
    return workshop


def record_delegation(event: dict, *, uow, now: datetime) -> Delegation:
    """A new revision replaces the delegation; fewer delegates re-plans a published schedule."""
    delegation = uow.session.get(Delegation, event["delegation_id"])
    if delegation is not None and delegation.version >= event["version"]:
        return delegation
    fewer = (delegation is not None and delegation.delegates is not None
             and len(event["delegates"]) < delegation.delegates)
    delegation = delegation or Delegation(id=event["delegation_id"])
    delegation.workshop_id = event["workshop_id"] or delegation.workshop_id
    delegation.version = event["version"]
    delegation.withdrawn = False
    delegation.name = event["institution"]
    delegation.country = event["country"]
    delegation.delegates = len(event["delegates"])
    delegation.registered_at = event["registered_at"]
    uow.session.add(delegation)
    if fewer:
        request_replan(uow, delegation.workshop_id, now=now)
    return delegation


def withdraw_delegation(event: dict, *, uow, now: datetime) -> Delegation:
    """Withdrawn at its version; only a later registration brings it back."""
    delegation = uow.session.get(Delegation, event["delegation_id"])
    if delegation is not None and (delegation.version > event["version"] or delegation.withdrawn):
        return delegation
    delegation = delegation or Delegation(id=event["delegation_id"])
    delegation.workshop_id = event["workshop_id"]
    delegation.version = event["version"]
    delegation.withdrawn = True
    uow.session.add(delegation)
    request_replan(uow, event["workshop_id"], now=now)
    return delegation


def record_program(event: dict, *, uow) -> Program:
    """Keep the latest version; an older revision arriving late changes nothing."""
    program = uow.session.get(Program, event["program_id"])
    if program is not None and program.version >= event["version"]:
        return program
    program = program or Program(id=event["program_id"])
    program.workshop_id = event["workshop_id"] or program.workshop_id
    program.host_delegation_id = event["delegation_id"]
    program.title = event["title"]
    program.topics = event["topics"]
    program.version = event["version"]
    program.withdrawn = False
    program.submitted_at = event["submitted_at"]
    uow.session.add(program)
    return program


def withdraw_program(event: dict, *, uow, now: datetime) -> Program:
    program = uow.session.get(Program, event["program_id"])
    if program is not None and (program.version > event["version"] or program.withdrawn):
        return program
    program = program or Program(id=event["program_id"])
    program.workshop_id = event["workshop_id"]
    program.host_delegation_id = program.host_delegation_id or event["delegation_id"]
    program.version = event["version"]
    program.withdrawn = True
    uow.session.add(program)
    request_replan(uow, event["workshop_id"], now=now)
    return program


def review_program(event: dict, *, uow, now: datetime) -> Program:
    """A returned revision is not scheduled; a later submitted revision is."""
    program = uow.session.get(Program, event["program_id"])
    if event["decision"] != "returned":
        return program
    if program is None:
        # the review overtook the submission: remember it on an empty row
        program = Program(id=event["program_id"], version=0, withdrawn=False,
                          workshop_id=event["workshop_id"])
    if program.returned_version is not None and program.returned_version >= event["version"]:
        return program
    program.returned_version = event["version"]
    uow.session.add(program)
    if program.version <= event["version"]:
        request_replan(uow, event["workshop_id"], now=now)
    return program


def record_interest(event: dict, *, uow) -> Interest:
    interest = uow.session.get(Interest, event["interest_id"])
    if interest is not None and interest.version >= event["version"]:
        return interest
    interest = interest or Interest(id=event["interest_id"])
    interest.workshop_id = event["workshop_id"]
    interest.delegation_id = event["delegation_id"]
    interest.version = event["version"]
    interest.withdrawn = False
    interest.programs = list(event["programs"])
    interest.submitted_at = event["submitted_at"]
    uow.session.add(interest)
    return interest


def withdraw_interest(event: dict, *, uow, now: datetime) -> Interest:
    interest = uow.session.get(Interest, event["interest_id"])
    if interest is not None and (interest.version > event["version"] or interest.withdrawn):
        return interest
    interest = interest or Interest(id=event["interest_id"])
    interest.workshop_id = event["workshop_id"]
    interest.delegation_id = event["delegation_id"]
    interest.version = event["version"]
    interest.withdrawn = True
    uow.session.add(interest)
    request_replan(uow, event["workshop_id"], now=now)
    return interest


def request_replan(uow, workshop_id: str | None, *, now: datetime) -> bool:
    """Mark a workshop whose published schedule a withdrawal affects; the planner
    re-plans it once no further change arrived for the debounce delay."""
    if workshop_id is None or latest_published(uow, workshop_id) is None:
        return False
    workshop = uow.session.get(Workshop, workshop_id)
    if workshop is None:
        return False
    workshop.replan_requested_at = now
    return True


# -- pins -------------------------------------------------------------------------


def _workshop(uow, workshop_id: str) -> Workshop:
    workshop = uow.session.get(Workshop, workshop_id)
    if workshop is None:
        raise NotFound(f"no published workshop {workshop_id!r} is known to matching")
    return workshop


def pin_program(uow, workshop_id: str, program_id: str, *, session: int, table: int | None,
                now: datetime) -> Pin:
    workshop = _workshop(uow, workshop_id)
    program = uow.session.get(Program, program_id)
    if program is None or program.workshop_id != workshop_id or program.title is None:
        raise NotFound(f"workshop {workshop_id!r} has no program {program_id!r}")
    problems = []
    if not 1 <= session <= len(workshop.sessions):
        problems.append({"path": "session",
                         "message": f"session {session} is outside 1..{len(workshop.sessions)}"})
    if table is not None and not 1 <= table <= workshop.tables_per_session:
        problems.append({"path": "table", "message":
                         f"table {table} is outside 1..{workshop.tables_per_session}"})
    if table is not None:
        taken = uow.session.scalar(sa.select(Pin.program_id).where(
            Pin.workshop_id == workshop_id, Pin.session == session, Pin.table == table,
            Pin.program_id != program_id))
        if taken:
            problems.append({"path": "table",
                             "message": f"program {taken!r} is already pinned there"})
    if problems:
        raise Conflict("the pin cannot hold", problems)
    pin = uow.session.get(Pin, (workshop_id, program_id)) or Pin(
        workshop_id=workshop_id, program_id=program_id)
    pin.session, pin.table, pin.pinned_at = session, table, now
    uow.session.add(pin)
    return pin


def unpin_program(uow, workshop_id: str, program_id: str) -> None:
    pin = uow.session.get(Pin, (workshop_id, program_id))
    if pin is None:
        raise NotFound(f"program {program_id!r} is not pinned in workshop {workshop_id!r}")
    uow.session.delete(pin)


def list_pins(uow, workshop_id: str) -> list[dict]:
    _workshop(uow, workshop_id)
    pins = uow.session.scalars(sa.select(Pin).where(Pin.workshop_id == workshop_id)
                               .order_by(Pin.session, Pin.table, Pin.program_id))
    return [pin_view(p) for p in pins]


def pin_view(pin: Pin) -> dict:
    return {"program_id": pin.program_id, "session": pin.session, "table": pin.table}


# -- computing --------------------------------------------------------------------


@dataclass(frozen=True)
class PlanningInputs:
    """Everything a solve needs, copied out of the transaction that read it."""
    workshop: Workshop
    scenario: dict
    unmet: list[dict]
    pins: list[dict]
    previous: dict | None  # the latest published payload, when there is one


def latest_published(uow, workshop_id: str) -> Schedule | None:
    return uow.session.scalar(
        sa.select(Schedule).where(Schedule.workshop_id == workshop_id,
                                  Schedule.revision.is_not(None))
        .order_by(Schedule.revision.desc()).limit(1))


def latest_computed(uow, workshop_id: str) -> Schedule | None:
    return uow.session.scalar(
        sa.select(Schedule).where(Schedule.workshop_id == workshop_id)
        .order_by(Schedule.computed_at.desc()).limit(1))


def planning_inputs(uow, workshop_id: str, *, extra_pins=()) -> PlanningInputs:
    """The scenario of a workshop, its pins (stored, then the request's) and the
    published revision to stay close to. Pins of programs that cannot be
    scheduled any more are left out."""
    workshop = _workshop(uow, workshop_id)
    delegations = list(uow.session.scalars(
        sa.select(Delegation).where(Delegation.workshop_id == workshop_id)
        .order_by(Delegation.registered_at, Delegation.id)))
    programs = list(uow.session.scalars(
        sa.select(Program).where(Program.workshop_id == workshop_id)
        .order_by(Program.submitted_at, Program.id)))
    interests = list(uow.session.scalars(
        sa.select(Interest).where(Interest.workshop_id == workshop_id)))
    inputs = domain.build_scenario(workshop, delegations, programs, interests)
    offered = {p["id"] for p in inputs.scenario["programs"]}
    pins = {p.program_id: pin_view(p) for p in uow.session.scalars(
        sa.select(Pin).where(Pin.workshop_id == workshop_id))}
    unknown = [{"path": f"pins[{n}].program_id",
                "message": f"no program {pin['program_id']!r} can be scheduled in this workshop"}
               for n, pin in enumerate(extra_pins) if pin["program_id"] not in offered]
    if unknown:
        raise ApiError(422, "invalid", "some pins name programs that cannot be scheduled", unknown)
    for pin in extra_pins:
        pins[pin["program_id"]] = pin
    published = latest_published(uow, workshop_id)
    uow.session.expunge(workshop)
    return PlanningInputs(
        workshop=workshop, scenario=inputs.scenario, unmet=inputs.unmet,
        pins=[p for p in pins.values() if p["program_id"] in offered],
        previous=dict(published.payload) if published is not None else None)


def schedule_payload(inputs: PlanningInputs, document: dict) -> dict:
    """The parts of schedule_published a computed schedule already knows."""
    previous_rounds = inputs.previous["rounds"] if inputs.previous else []
    return {
        "workshop_id": inputs.workshop.id,
        "status": document["status"],
        "objective": document["objective"],
        "bound": document["bound"],
        "delegations": [{"delegation_id": d["id"], "name": d["name"]}
                        for d in inputs.scenario["delegations"]],
        "rounds": domain.published_rounds(inputs.workshop, document, inputs.scenario,
                                          previous_rounds),
        "unmet": domain.unmet_entries(document, inputs.unmet),
    }


def store_schedule(uow, inputs: PlanningInputs, document: dict, *, trigger: str,
                   now: datetime) -> Schedule:
    schedule = Schedule(id=str(uuid.uuid4()), workshop_id=inputs.workshop.id, trigger=trigger,
                        computed_at=now, document=document,
                        payload=schedule_payload(inputs, document))
    uow.session.add(schedule)
    workshop = uow.session.get(Workshop, inputs.workshop.id)
    # any schedule computed once interests are closed is the deadline's schedule
    if workshop.deadline_planned_at is None and (
            trigger == "deadline" or (workshop.interests_deadline is not None
                                      and now >= workshop.interests_deadline)):
        workshop.deadline_planned_at = now
    return schedule


def publish_schedule(uow, workshop_id: str, *, now: datetime,
                     schedule_id: str | None = None) -> dict:
    """Publish the latest computed schedule as the next revision, with what
    changed for each delegation since the revision before."""
    _workshop(uow, workshop_id)
    schedule = (uow.session.get(Schedule, schedule_id) if schedule_id
                else latest_computed(uow, workshop_id))
    if schedule is None or schedule.workshop_id != workshop_id:
        raise NotFound(f"workshop {workshop_id!r} has no computed schedule"
                       + (f" {schedule_id!r}" if schedule_id else "") + "; POST one first")
    if schedule.revision is not None:
        raise Conflict(f"schedule {schedule.id} is already published as revision "
                       f"{schedule.revision}")
    previous = latest_published(uow, workshop_id)
    if previous is not None and previous.published_at > schedule.computed_at:
        raise Conflict(f"revision {previous.revision} was published after this schedule was "
                       "computed; compute a new one so it starts from that revision")
    revision = 1 if previous is None else previous.revision + 1
    payload = {
        **{k: schedule.payload[k] for k in ("workshop_id", "status", "objective", "bound")},
        "schedule_id": schedule.id,
        "revision": revision,
        "published_at": now.isoformat(),
        "delegations": schedule.payload["delegations"],
        "rounds": schedule.payload["rounds"],
        "unmet": schedule.payload["unmet"],
        "changes": (domain.changes(previous.payload["rounds"], schedule.payload["rounds"])
                    if previous is not None else []),
    }
    schedule.revision = revision
    schedule.published_at = now
    schedule.payload = payload
    uow.publish(Event("schedule_published", payload))
    return payload


# -- what is due ---------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    workshop_id: str
    trigger: str  # "deadline" or "replan"
    requested_at: datetime | None = None


def due_work(uow, *, now: datetime, debounce_seconds: float) -> list[Due]:
    """Workshops whose interest deadline passed without a schedule, and
    published schedules a withdrawal touched at least `debounce_seconds` ago."""
    due = []
    deadlines = uow.session.scalars(sa.select(Workshop).where(
        Workshop.interests_deadline.is_not(None), Workshop.interests_deadline <= now,
        Workshop.deadline_planned_at.is_(None)))
    due += [Due(w.id, "deadline") for w in deadlines]
    replans = uow.session.scalars(sa.select(Workshop).where(
        Workshop.replan_requested_at.is_not(None)))
    due += [Due(w.id, "replan", w.replan_requested_at) for w in replans
            if (now - w.replan_requested_at).total_seconds() >= debounce_seconds]
    return due


def replan_done(uow, workshop_id: str, requested_at: datetime) -> None:
    """Clear the request unless another withdrawal came in while solving."""
    workshop = uow.session.get(Workshop, workshop_id)
    if workshop is not None and workshop.replan_requested_at == requested_at:
        workshop.replan_requested_at = None


def schedule_view(schedule: Schedule, *, published: Schedule | None) -> dict:
    """A schedule for staff: the payload plus the solver's gap, stages and explanations."""
    document = schedule.document
    payload = schedule.payload
    return {
        "schedule_id": schedule.id,
        "workshop_id": schedule.workshop_id,
        "state": "published" if schedule.revision is not None else "provisional",
        "revision": schedule.revision,
        "trigger": schedule.trigger,
        "computed_at": schedule.computed_at.isoformat(),
        "published_at": schedule.published_at.isoformat() if schedule.published_at else None,
        "latest_published_revision": published.revision if published is not None else None,
        "status": document["status"],
        "objective": document["objective"],
        "bound": document["bound"],
        "gap": domain.gap(document["objective"], document["bound"]),
        "fairness": document.get("fairness"),
        "stages": document.get("stages"),
        "moved": document.get("changes"),
        "rounds": payload["rounds"],
        "unmet": payload["unmet"],
        "changes": payload.get("changes"),
        "explanations": domain.explanations(payload),
    }


def give_up(uow, due: Due, *, now: datetime) -> None:
    """Stop retrying a due plan the solver refused; staff see it in the logs and re-plan by hand."""
    workshop = uow.session.get(Workshop, due.workshop_id)
    if workshop is None:
        return
    if due.trigger == "deadline":
        workshop.deadline_planned_at = now
    elif workshop.replan_requested_at == due.requested_at:
        workshop.replan_requested_at = None
