"""Schedules: the problem a solve starts from, the plan it produced,
publishing a revision, and the staff view of a schedule.

A computation is two use cases around a solve that runs outside any
transaction (`planning.compute` runs them): `read_problem` copies what the
solver needs out of one transaction, `record_plan` stores the result in
another (and, for an automatic re-plan, publishes it).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from rueda_backbone import Invalid, NotFound

from .. import domain, schemas
from ..exceptions import NotPublishable
from ..models import Delegation, Interest, Pin, Program, Schedule, Workshop
from .lookups import known_workshop, latest_computed, latest_published
from .pins import pin_view


@dataclass(frozen=True)
class Problem:
    """Everything a solve needs, copied out of the transaction that read it."""

    workshop: Workshop
    scenario: dict
    unmet: list[dict]
    pins: list[dict]
    previous: dict | None  # the latest published payload, when there is one

    @property
    def previous_rounds(self) -> list[dict] | None:
        """The published revision as the solver's `--previous` reads it."""
        if self.previous is None:
            return None
        return domain.previous_for_solver(
            self.previous["rounds"], [d["id"] for d in self.scenario["delegations"]]
        )


def read_problem(query: dict, *, uow, now: datetime) -> Problem:
    """The scenario of `workshop_id`, its pins (stored, then the query's `pins`)
    and the published revision to stay close to. Pins of programs that cannot
    be scheduled any more are left out; a requested pin naming one is invalid."""
    workshop_id, extra_pins = query["workshop_id"], query.get("pins") or ()
    workshop = known_workshop(uow, workshop_id)
    delegations = list(
        uow.session.scalars(
            sa.select(Delegation)
            .where(Delegation.workshop_id == workshop_id)
            .order_by(Delegation.registered_at, Delegation.id)
        )
    )
    programs = list(
        uow.session.scalars(
            sa.select(Program)
            .where(Program.workshop_id == workshop_id)
            .order_by(Program.submitted_at, Program.id)
        )
    )
    interests = list(
        uow.session.scalars(sa.select(Interest).where(Interest.workshop_id == workshop_id))
    )
    inputs = domain.build_scenario(workshop, delegations, programs, interests)
    offered = {p["id"] for p in inputs.scenario["programs"]}
    pins = {
        p.program_id: pin_view(p)
        for p in uow.session.scalars(sa.select(Pin).where(Pin.workshop_id == workshop_id))
    }
    unknown = [
        {
            "path": f"pins[{n}].program_id",
            "message": f"no program {pin['program_id']!r} can be scheduled in this workshop",
        }
        for n, pin in enumerate(extra_pins)
        if pin["program_id"] not in offered
    ]
    if unknown:
        raise Invalid("some pins name programs that cannot be scheduled", unknown)
    for pin in extra_pins:
        pins[pin["program_id"]] = pin
    published = latest_published(uow, workshop_id)
    uow.session.expunge(workshop)
    return Problem(
        workshop=workshop,
        scenario=inputs.scenario,
        unmet=inputs.unmet,
        pins=[p for p in pins.values() if p["program_id"] in offered],
        previous=dict(published.payload) if published is not None else None,
    )


def record_plan(command: dict, *, uow, now: datetime) -> dict:
    """Store the solver's `document` for `problem` as a schedule computed by
    `trigger`, and answer its staff view.

    With `publish`, publish it too when it changes anything for anybody (a
    re-plan that moves nothing is kept provisional). A revision published
    while the solver ran makes the result stale: it is kept provisional and
    the re-plan request (`requested_at`) stays, so the planner starts again
    from that revision."""
    problem, document, trigger = command["problem"], command["document"], command["trigger"]
    workshop_id = problem.workshop.id
    schedule = Schedule(
        id=str(uuid.uuid4()),
        workshop_id=workshop_id,
        trigger=trigger,
        computed_at=now,
        document=document,
        payload=_computed_payload(problem, document),
        computed_by=command.get("requested_by") or getattr(uow, "who", None),
    )
    uow.session.add(schedule)
    workshop = uow.session.get(Workshop, workshop_id)
    # any schedule computed once interests are closed is the deadline's schedule
    if workshop.deadline_planned_at is None and (
        trigger == "deadline"
        or (workshop.interests_deadline is not None and now >= workshop.interests_deadline)
    ):
        workshop.deadline_planned_at = now
    published = latest_published(uow, workshop_id)
    started_from = problem.previous["schedule_id"] if problem.previous else None
    stale = (published.id if published else None) != started_from
    requested_at = command.get("requested_at")
    if requested_at is not None and not stale and workshop.replan_requested_at == requested_at:
        # unless another change came in while solving
        workshop.replan_requested_at = None
    if (
        command.get("publish")
        and not stale
        and (published is None or _differs(published.payload, schedule.payload))
    ):
        uow.session.flush()
        publish_schedule({"workshop_id": workshop_id, "schedule_id": schedule.id}, uow=uow, now=now)
        published = schedule
    return schedule_view(schedule, published=published)


def _computed_payload(problem: Problem, document: dict) -> dict:
    """The parts of schedule_published a computed schedule already knows."""
    previous_rounds = problem.previous["rounds"] if problem.previous else []
    rounds = domain.published_rounds(problem.workshop, document, problem.scenario, previous_rounds)
    return {
        "workshop_id": problem.workshop.id,
        "status": document["status"],
        "objective": document["objective"],
        "bound": document["bound"],
        "delegations": [
            {"delegation_id": d["id"], "name": d["name"]} for d in problem.scenario["delegations"]
        ],
        "rounds": rounds,
        "unmet": domain.unmet_entries(document, problem.unmet),
        "fairness": domain.fairness_published(document, problem.scenario["workshop"]["fairness"]),
        "interpretation": domain.interpretation_published(document, rounds),
    }


def _differs(before: dict, after: dict) -> bool:
    """Whether publishing `after` over `before` changes anything for anybody."""

    def times(payload):
        return sorted((r["round_id"], r["starts_at"], r["ends_at"]) for r in payload["rounds"])

    def unmet(payload):
        return sorted(
            (u["delegation_id"], u["program_id"], u["reason_code"]) for u in payload["unmet"]
        )

    return (
        bool(domain.changes(before["rounds"], after["rounds"]))
        or times(before) != times(after)
        or unmet(before) != unmet(after)
        or domain.people_of(before["rounds"]) != domain.people_of(after["rounds"])
    )


def publish_schedule(command: dict, *, uow, now: datetime) -> dict:
    """Publish `schedule_id` (or the latest computed schedule) of `workshop_id`
    as the next revision, with what changed for each delegation since the
    revision before; answers the schedule_published payload."""
    workshop_id, schedule_id = command["workshop_id"], command.get("schedule_id")
    known_workshop(uow, workshop_id)
    schedule = (
        uow.session.get(Schedule, schedule_id) if schedule_id else latest_computed(uow, workshop_id)
    )
    if schedule is None or schedule.workshop_id != workshop_id:
        raise NotFound(
            f"workshop {workshop_id!r} has no computed schedule"
            + (f" {schedule_id!r}" if schedule_id else "")
            + "; POST one first"
        )
    if schedule.revision is not None:
        raise NotPublishable(
            f"schedule {schedule.id} is already published as revision {schedule.revision}"
        )
    previous = latest_published(uow, workshop_id)
    if previous is not None and previous.published_at > schedule.computed_at:
        raise NotPublishable(
            f"revision {previous.revision} was published after this schedule "
            "was computed; compute a new one so it starts from that revision"
        )
    revision = 1 if previous is None else previous.revision + 1
    computed = _with_people(schedule.payload)
    fairness = computed.get("fairness") or domain.fairness_published(
        schedule.document, domain.fairness_policy(uow.session.get(Workshop, workshop_id).fairness)
    )
    event = schemas.PUBLISHED.event(
        "schedule_published",
        {
            **{k: computed[k] for k in ("workshop_id", "status", "objective", "bound")},
            "schedule_id": schedule.id,
            "revision": revision,
            "published_at": now,
            "delegations": computed["delegations"],
            "rounds": [_timed(r) for r in computed["rounds"]],
            "unmet": computed["unmet"],
            "fairness": fairness,
            "interpretation": computed.get("interpretation")
            or domain.interpretation_published(schedule.document, computed["rounds"]),
            "changes": (
                domain.changes(previous.payload["rounds"], computed["rounds"])
                if previous is not None
                else []
            ),
        },
    )
    schedule.revision = revision
    schedule.published_at = now
    schedule.published_by = getattr(uow, "who", None)
    schedule.payload = event.payload
    uow.publish(event)
    return event.payload


def _with_people(payload: dict) -> dict:
    """A payload whose rounds all say who sits there: schedules computed before
    matching placed people name nobody (null), one entry per attendee."""
    rounds = [
        {
            "presenter_delegate_id": None,
            "attendees": [
                {"delegation_id": d, "delegate_id": None} for d in r["attendee_delegation_ids"]
            ],
            **r,
        }
        for r in payload["rounds"]
    ]
    return {**payload, "rounds": rounds}


def _timed(round_: dict) -> dict:
    # stored as JSON; the event's schema dumps instants from datetimes
    return {
        **round_,
        "starts_at": datetime.fromisoformat(round_["starts_at"]),
        "ends_at": datetime.fromisoformat(round_["ends_at"]),
    }


def show_schedule(query: dict, *, uow, now: datetime) -> dict:
    """The staff view of the latest computed schedule of `workshop_id`, or with
    `state` "published" of its latest published revision."""
    workshop_id = query["workshop_id"]
    published = latest_published(uow, workshop_id)
    if query.get("revision"):
        schedule = uow.session.scalar(
            sa.select(Schedule).where(
                Schedule.workshop_id == workshop_id, Schedule.revision == query["revision"]
            )
        )
        if schedule is None:
            raise NotFound(f"workshop {workshop_id!r} has no revision {query['revision']}")
        return schedule_view(schedule, published=published)
    schedule = (
        published
        if query.get("state", "latest") == "published"
        else latest_computed(uow, workshop_id)
    )
    if schedule is None:
        raise NotFound(f"workshop {workshop_id!r} has no schedule yet")
    return schedule_view(schedule, published=published)


def schedule_view(schedule: Schedule, *, published: Schedule | None) -> dict:
    """A schedule for staff: the payload plus the solver's gap, stages and explanations."""
    document = schedule.document
    payload = _with_people(schedule.payload)
    return {
        "schedule_id": schedule.id,
        "workshop_id": schedule.workshop_id,
        "state": "published" if schedule.revision is not None else "provisional",
        "revision": schedule.revision,
        "trigger": schedule.trigger,
        "computed_at": schedule.computed_at.isoformat(),
        "published_at": schedule.published_at.isoformat() if schedule.published_at else None,
        "computed_by": schedule.computed_by,
        "published_by": schedule.published_by,
        "latest_published_revision": published.revision if published is not None else None,
        "status": document["status"],
        "objective": document["objective"],
        "bound": document["bound"],
        "gap": domain.gap(document["objective"], document["bound"]),
        "fairness": _fairness(document, payload),
        "stages": document.get("stages"),
        "moved": document.get("changes"),
        "rounds": payload["rounds"],
        "interpretation": payload.get("interpretation")
        or domain.interpretation_published(document, payload["rounds"]),
        "unmet": payload["unmet"],
        "changes": payload.get("changes"),
        "explanations": domain.explanations(payload),
    }


def _fairness(document: dict, payload: dict) -> dict:
    view = domain.fairness_view(document, None)
    if view["shares"] is not None:
        names = {d["delegation_id"]: d["name"] for d in payload["delegations"]}
        view["shares"] = [{**s, "name": names.get(s["delegation_id"])} for s in view["shares"]]
    return view
