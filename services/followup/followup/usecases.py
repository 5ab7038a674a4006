"""followup's use cases: plain functions over a unit of work. Each returns what
the entrypoint answers; the events it causes go through `uow.publish`, in the
same transaction as the change."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from rueda_backbone import Conflict, Event, NotFound, PermanentFailure
from rueda_backbone.web import ApiError

from . import domain, schemas
from .models import (Activity, ActivityChange, CounterpartUpdate, Criterion, Delegation,
                     Expression, FollowUpNotice, FundingSelection, Program, ScheduleRound,
                     StaffMember, WeeklyDigest, Workshop)

ACTIVITY_NAMESPACE = uuid.UUID("6d1c1b8e-5f43-4f0e-9a47-0c2f4e7b9a11")


@dataclass(frozen=True)
class Actor:
    """Who acts and through which channel, for the audit trail."""
    name: str
    origin: str


def invalid(path: str, message: str, status: int = 422) -> ApiError:
    return ApiError(status, "invalid", message, [{"path": path, "message": message}])


# -- what followup learns from intake and matching -----------------------------

def workshop_row(session, workshop_id: str) -> Workshop:
    workshop = session.get(Workshop, workshop_id)
    if workshop is None:
        workshop = Workshop(id=workshop_id, version=0, cadence_days={}, schedule_revision=0)
        session.add(workshop)
    return workshop


def record_workshop(event: dict, *, uow) -> Workshop:
    if event["time_zone"] and not domain.known_time_zone(event["time_zone"]):
        # lateness is computed in this zone: an unknown one must not stall the timer
        raise PermanentFailure(f"time_zone: unknown IANA time zone {event['time_zone']!r}")
    workshop = workshop_row(uow.session, event["workshop_id"])
    if event["version"] > workshop.version:
        workshop.version = event["version"]
        workshop.title = event["title"]
        workshop.time_zone = event["time_zone"]
    return workshop


def record_delegation(event: dict, *, uow) -> Delegation:
    """Know the delegation, so its activities can name it and its focal point."""
    delegation = uow.session.get(Delegation, event["delegation_id"])
    version = event.get("version") or 0
    if delegation is not None and version and version <= delegation.version:
        return delegation  # a duplicate or an older revision arriving late
    delegation = delegation or Delegation(id=event["delegation_id"])
    delegation.institution = event["institution"]
    delegation.acronym = event["acronym"]
    delegation.country = event["country"]
    delegation.kind = event["kind"]
    delegation.focal_point_delegate_id = next(
        (d["delegate_id"] for d in event["delegates"] if d["is_focal_point"]), None)
    delegation.registered_at = event["registered_at"]
    delegation.workshop_id = event.get("workshop_id") or delegation.workshop_id
    delegation.version = max(version, delegation.version or 0)
    if delegation.withdrawn_version is not None and delegation.version > delegation.withdrawn_version:
        delegation.withdrawn_version = None
    uow.session.add(delegation)
    return delegation


def withdraw_delegation(event: dict, *, uow) -> None:
    """Mark the delegation withdrawn; its activities stay, since they were signed,
    and the status report shows the withdrawal. A withdrawal before the
    registration is retried (the registration carries the names)."""
    delegation = uow.session.get(Delegation, event["delegation_id"])
    if delegation is None:
        raise LookupError(f"delegation {event['delegation_id']} not known yet")
    if event["version"] >= (delegation.version or 0):
        delegation.withdrawn_version = event["version"]


def record_program(event: dict, *, uow) -> Program:
    program = uow.session.get(Program, event["program_id"])
    if program is not None and event["version"] <= program.version:
        return program
    program = program or Program(id=event["program_id"])
    program.version = event["version"]
    program.workshop_id = event.get("workshop_id")
    program.delegation_id = event["delegation_id"]
    program.title = event["title"]
    program.country = event.get("country")
    program.topics = list(event["topics"])
    uow.session.add(program)
    return program


def record_staff_member(event: dict, *, uow) -> StaffMember:
    staff = uow.session.get(StaffMember, event["staff_id"])
    if staff is not None and event["version"] <= staff.version:
        return staff
    staff = staff or StaffMember(id=event["staff_id"])
    staff.version = event["version"]
    staff.name = event["name"]
    staff.roles = list(event["roles"])
    staff.active = event["active"]
    uow.session.add(staff)
    return staff


def record_schedule(event: dict, *, uow) -> None:
    """Keep the latest revision's rounds; activities find their round by
    session and table."""
    workshop = workshop_row(uow.session, event["workshop_id"])
    if event["revision"] <= workshop.schedule_revision:
        return
    workshop.schedule_revision = event["revision"]
    uow.session.execute(sa.delete(ScheduleRound).where(
        ScheduleRound.workshop_id == event["workshop_id"]))
    for round_ in event["rounds"]:
        uow.session.add(ScheduleRound(
            workshop_id=event["workshop_id"], round_id=round_["round_id"],
            session=round_["session"], table=round_["table"],
            program_id=round_["program_id"], starts_at=round_["starts_at"]))


# -- activities ------------------------------------------------------------------

def title_of(session, activity: Activity) -> str:
    """What to call the activity: staff's title, else the program, else the topic."""
    if activity.title:
        return activity.title
    if activity.program_id:
        program = session.get(Program, activity.program_id)
        if program is not None:
            return program.title
    if activity.topic:
        return activity.topic.replace("_", " ").capitalize()
    return f"Program {activity.program_id}"


def counterparts(activity: Activity) -> list[str]:
    return [activity.demanding_delegation_id] + [
        d for d in activity.supplying_delegation_ids if d != activity.demanding_delegation_id]


def _audit(session, activity: Activity, *, kind: str, actor: Actor, now: datetime,
           reason: str | None = None, from_state: str | None = None,
           to_state: str | None = None, details: dict | None = None) -> None:
    session.add(ActivityChange(activity_id=activity.id, at=now, kind=kind, actor=actor.name,
                               origin=actor.origin, reason=reason, from_state=from_state,
                               to_state=to_state, details=details or {}))


def _settings(session, workshop_id: str) -> Workshop:
    return session.get(Workshop, workshop_id) or Workshop(
        id=workshop_id, version=0, cadence_days={}, schedule_revision=0)


def _reset_follow_up(session, activity: Activity, now: datetime) -> None:
    workshop = _settings(session, activity.workshop_id)
    today = domain.local_today(now, workshop.time_zone)
    activity.follow_up_on = domain.next_follow_up(activity.state, today, workshop.cadence_days)


def _default_owner(session, workshop_id: str) -> str | None:
    """The active secretariat member following the fewest activities of the
    workshop, so new activities spread over the team."""
    staff = session.scalars(sa.select(StaffMember).where(StaffMember.active.is_(True))
                            .order_by(StaffMember.id)).all()
    candidates = [s for s in staff if "secretariat" in (s.roles or [])]
    if not candidates:
        return None
    load = dict(session.execute(
        sa.select(Activity.owner_staff_id, sa.func.count()).where(
            Activity.workshop_id == workshop_id,
            Activity.state.in_(domain.FOLLOWED_STATES)).group_by(Activity.owner_staff_id)).all())
    return min(candidates, key=lambda s: (load.get(s.id, 0), s.id)).id


def _proposed_event(session, activity: Activity) -> Event:
    return Event("activity_proposed", schemas.ActivityProposed().dump({
        "activity_id": activity.id, "workshop_id": activity.workshop_id,
        "title": title_of(session, activity),
        "demanding_delegation_id": activity.demanding_delegation_id,
        "supplying_delegation_ids": list(activity.supplying_delegation_ids),
        "program_id": activity.program_id, "topic": activity.topic,
        "owner_staff_id": activity.owner_staff_id, "expression_id": activity.expression_id,
        "proposed_at": activity.proposed_at}))


def _status_event(session, activity: Activity, from_state: str, *, reason: str, actor: Actor,
                  now: datetime) -> Event:
    return Event("activity_status_changed", schemas.ActivityStatusChanged().dump({
        "activity_id": activity.id, "workshop_id": activity.workshop_id,
        "title": title_of(session, activity), "from_state": from_state,
        "to_state": activity.state, "funding_source": activity.funding_source,
        "reason": reason, "changed_by": actor.name, "changed_at": now,
        "owner_staff_id": activity.owner_staff_id,
        "counterpart_delegation_ids": counterparts(activity)}))


def _apply_expression(activity: Activity, event: dict) -> None:
    activity.demanding_delegation_id = event["demanding_delegation_id"]
    if event["supplying_delegation_ids"] or not activity.supplying_delegation_ids:
        activity.supplying_delegation_ids = list(dict.fromkeys(event["supplying_delegation_ids"]))
    activity.program_id = event["program_id"] or (event["round"] or {}).get("program_id")
    activity.topic = event["topic"]
    activity.activity_types = list(event["activity_types"])
    activity.mechanism = event["mechanism"]
    activity.focus = event["focus"]
    activity.description = event["description"]
    activity.contact_delegate_ids = list(event["contact_delegate_ids"])
    activity.round_session = (event["round"] or {}).get("session")
    activity.round_table = (event["round"] or {}).get("table")


def record_expression(event: dict, *, uow, now: datetime) -> Activity | None:
    """An expression of interest becomes a proposed activity (once, whatever
    the order and number of deliveries). Names of delegations, programs and the
    workshop are looked up when shown, so they may arrive later."""
    session = uow.session
    actor = Actor("intake", "event:intake/expression_of_interest_submitted")
    expression = session.get(Expression, event["expression_id"])
    if expression is None:
        expression = Expression(id=event["expression_id"], workshop_id=event["workshop_id"],
                                version=0)
        session.add(expression)
    if event["version"] <= expression.version:
        return None  # a duplicate or an older version arriving late
    expression.version = event["version"]
    if expression.withdrawn_version is not None and event["version"] <= expression.withdrawn_version:
        return None  # withdrawn at this version already (the withdrawal came first)
    activity = session.scalar(sa.select(Activity).where(
        Activity.expression_id == event["expression_id"]))
    if activity is None:
        activity = Activity(
            id=str(uuid.uuid5(ACTIVITY_NAMESPACE, event["expression_id"])),
            workshop_id=event["workshop_id"], expression_id=event["expression_id"],
            state=domain.PROPOSED, scores={}, proposed_at=event["submitted_at"], updated_at=now)
        _apply_expression(activity, event)
        activity.owner_staff_id = _default_owner(session, activity.workshop_id)
        session.add(activity)
        _reset_follow_up(session, activity, now)
        _audit(session, activity, kind="created", actor=actor, now=now, to_state=domain.PROPOSED,
               reason="expression of interest signed",
               details={"expression_version": event["version"]})
        uow.publish(_proposed_event(session, activity))
        return activity
    _apply_expression(activity, event)
    activity.updated_at = now
    _audit(session, activity, kind="expression_revised", actor=actor, now=now,
           details={"expression_version": event["version"]})
    if activity.state == domain.WITHDRAWN:
        # the parties signed again after withdrawing: the activity is back
        activity.state = domain.PROPOSED
        _reset_follow_up(session, activity, now)
        reason = f"expression of interest re-submitted (version {event['version']})"
        _audit(session, activity, kind="transition", actor=actor, now=now, reason=reason,
               from_state=domain.WITHDRAWN, to_state=domain.PROPOSED)
        uow.publish(_status_event(session, activity, domain.WITHDRAWN, reason=reason,
                                  actor=actor, now=now))
    return activity


def withdraw_expression(event: dict, *, uow, now: datetime) -> None:
    session = uow.session
    expression = session.get(Expression, event["expression_id"])
    if expression is None:
        expression = Expression(id=event["expression_id"], workshop_id=event["workshop_id"],
                                version=0)
        session.add(expression)
    if event["version"] < expression.version or (
            expression.withdrawn_version or 0) >= event["version"]:
        return  # a later version re-opened it, or this withdrawal was seen
    expression.withdrawn_version = event["version"]
    activity = session.scalar(sa.select(Activity).where(
        Activity.expression_id == event["expression_id"]))
    if activity is None or activity.state not in domain.OPEN_STATES:
        return
    actor = Actor("intake", "event:intake/expression_of_interest_withdrawn")
    reason = "expression of interest withdrawn by its signatories"
    from_state = activity.state
    activity.state = domain.WITHDRAWN
    activity.follow_up_on = None
    activity.updated_at = now
    _audit(session, activity, kind="transition", actor=actor, now=now, reason=reason,
           from_state=from_state, to_state=domain.WITHDRAWN)
    uow.publish(_status_event(session, activity, from_state, reason=reason, actor=actor, now=now))


def _check_staff(session, staff_id: str, path: str) -> None:
    staff = session.get(StaffMember, staff_id)
    if staff is None or not staff.active:
        raise invalid(path, f"{staff_id!r} is not an active staff member")


def create_activity(form: dict, *, uow, actor: Actor, now: datetime) -> Activity:
    """Staff record an activity that did not come from a signed expression."""
    session = uow.session
    if form.get("owner_staff_id"):
        _check_staff(session, form["owner_staff_id"], "owner_staff_id")
    activity = Activity(
        id=str(uuid.uuid4()), workshop_id=form["workshop_id"], title=form.get("title"),
        demanding_delegation_id=form["demanding_delegation_id"],
        supplying_delegation_ids=list(dict.fromkeys(form["supplying_delegation_ids"])),
        program_id=form.get("program_id"), topic=form.get("topic"),
        activity_types=list(dict.fromkeys(form["activity_types"])),
        mechanism=form.get("mechanism"), focus=form.get("focus"),
        description=form.get("description"), contact_delegate_ids=[], state=domain.PROPOSED,
        scores={}, proposed_at=now, updated_at=now)
    activity.owner_staff_id = form.get("owner_staff_id") or _default_owner(session,
                                                                          form["workshop_id"])
    session.add(activity)
    _reset_follow_up(session, activity, now)
    if form.get("follow_up_on"):
        activity.follow_up_on = form["follow_up_on"]
    _audit(session, activity, kind="created", actor=actor, now=now, to_state=domain.PROPOSED,
           reason="recorded by staff")
    uow.publish(_proposed_event(session, activity))
    return activity


def get_activity(session, activity_id: str, *, for_update: bool = False) -> Activity:
    activity = session.get(Activity, activity_id, with_for_update=for_update or None)
    if activity is None:
        raise NotFound(f"no activity {activity_id}")
    return activity


def transition(activity_id: str, form: dict, *, uow, actor: Actor, now: datetime) -> Activity:
    """Move an activity in its lifecycle, or refuse with the reason."""
    session = uow.session
    activity = get_activity(session, activity_id, for_update=True)
    try:
        domain.check_transition(activity.state, form["to"],
                                funding_source=form.get("funding_source"),
                                planned_start=form.get("planned_start"),
                                planned_end=form.get("planned_end"),
                                terms_of_reference=form.get("terms_of_reference"))
    except domain.IllegalTransition as exc:
        raise Conflict(str(exc), [{"path": "to", "message": str(exc)}]) from None
    except domain.MissingForTransition as exc:
        raise invalid(exc.field, str(exc)) from None
    from_state = activity.state
    activity.state = form["to"]
    if form["to"] == domain.SELECTED:
        activity.funding_source = form["funding_source"]
    if form["to"] == domain.PLANNED:
        activity.planned_start = form["planned_start"]
        activity.planned_end = form["planned_end"]
        activity.terms_of_reference = form["terms_of_reference"]
    activity.updated_at = now
    _reset_follow_up(session, activity, now)
    details = {k: str(form[k]) for k in ("funding_source", "planned_start", "planned_end")
               if form.get(k) is not None}
    _audit(session, activity, kind="transition", actor=actor, now=now, reason=form["reason"],
           from_state=from_state, to_state=activity.state, details=details)
    uow.publish(_status_event(session, activity, from_state, reason=form["reason"],
                              actor=actor, now=now))
    return activity


def assign_owner(activity_id: str, form: dict, *, uow, actor: Actor, now: datetime) -> Activity:
    session = uow.session
    activity = get_activity(session, activity_id, for_update=True)
    _check_staff(session, form["owner_staff_id"], "owner_staff_id")
    before = activity.owner_staff_id
    activity.owner_staff_id = form["owner_staff_id"]
    activity.updated_at = now
    _audit(session, activity, kind="owner_assigned", actor=actor, now=now,
           reason=form.get("reason"), details={"from": before, "to": form["owner_staff_id"]})
    return activity


def set_follow_up(activity_id: str, form: dict, *, uow, actor: Actor, now: datetime) -> Activity:
    session = uow.session
    activity = get_activity(session, activity_id, for_update=True)
    if activity.state not in domain.FOLLOWED_STATES:
        raise Conflict(f"a {activity.state} activity is not followed up any more")
    before = activity.follow_up_on
    activity.follow_up_on = form["follow_up_on"]
    activity.updated_at = now
    _audit(session, activity, kind="follow_up_set", actor=actor, now=now,
           reason=form.get("reason"),
           details={"from": before and before.isoformat(), "to": form["follow_up_on"].isoformat()})
    return activity


def resolve_supplying(activity_id: str, form: dict, *, uow, actor: Actor,
                      now: datetime) -> Activity:
    """Staff name the supplying delegation(s) the expression left undefined (or correct them)."""
    session = uow.session
    activity = get_activity(session, activity_id, for_update=True)
    ids = list(dict.fromkeys(form["supplying_delegation_ids"]))
    if activity.demanding_delegation_id in ids:
        raise invalid("supplying_delegation_ids",
                      "the demanding delegation cannot also be the supplying side")
    before = list(activity.supplying_delegation_ids)
    activity.supplying_delegation_ids = ids
    activity.updated_at = now
    _audit(session, activity, kind="supplying_resolved", actor=actor, now=now,
           reason=form.get("reason"), details={"from": before, "to": ids})
    return activity


def post_update(activity_id: str, form: dict, *, uow, actor: Actor, now: datetime) -> Activity:
    """A counterpart reports progress; that is a follow-up, so the next one moves on.

    Over HTTP and from the portal's `activity_update_submitted` alike; an event
    also names the update (`update_id`) and when it was written (`submitted_at`)."""
    session = uow.session
    activity = get_activity(session, activity_id, for_update=True)
    update_id = form.get("update_id")
    if update_id is not None:
        # the inbox only drops a re-delivered event; a sender re-sending the
        # same update under a new event id is caught here
        earlier = session.scalar(sa.select(CounterpartUpdate).where(
            CounterpartUpdate.update_id == update_id))
        if earlier is not None:
            if earlier.activity_id != activity.id:
                raise invalid("update_id", f"{update_id} already names an update of activity "
                              f"{earlier.activity_id}")
            return activity
    if form["delegation_id"] not in counterparts(activity):
        raise invalid("delegation_id", f"{form['delegation_id']} is neither the demanding nor a "
                      "supplying delegation of the activity; only they can post updates on it",
                      403)
    # a sender's clock running ahead must not date an update in the future
    at = min(form["submitted_at"], now) if form.get("submitted_at") else now
    session.add(CounterpartUpdate(activity_id=activity.id, update_id=update_id,
                                  delegation_id=form["delegation_id"],
                                  delegate_id=form.get("delegate_id"), text=form["text"], at=at))
    _reset_follow_up(session, activity, now)
    activity.updated_at = now
    _audit(session, activity, kind="update_posted", actor=Actor(form["delegation_id"], actor.origin),
           now=now, reason=form["text"][:200],
           details={"update_id": update_id} if update_id else None)
    return activity


def refusal(exc: ApiError) -> PermanentFailure:
    """What an event gets instead of the HTTP answer: parked, naming the payload
    field at fault, so ops can tell the sender what to fix before a replay."""
    problems = exc.fields or ([{"path": "activity_id", "message": exc.message}]
                              if isinstance(exc, NotFound) else [])
    details = "; ".join(f"payload.{f['path']}: {f['message']}" for f in problems)
    return PermanentFailure(f"{exc.code}: {details or exc.message}")


def set_follow_up_settings(workshop_id: str, form: dict, *, uow) -> Workshop:
    workshop = workshop_row(uow.session, workshop_id)
    if "cadence_days" in form:
        workshop.cadence_days = {**(workshop.cadence_days or {}), **form["cadence_days"]}
    for key in ("due_soon_days", "escalation_days"):
        if key in form:
            setattr(workshop, key, form[key])
    return workshop


def follow_up_settings(workshop: Workshop) -> dict:
    return {"workshop_id": workshop.id,
            "time_zone": workshop.time_zone or "UTC",
            "cadence_days": {**domain.DEFAULT_CADENCE_DAYS, **(workshop.cadence_days or {})},
            "due_soon_days": _due_soon_days(workshop),
            "escalation_days": _escalation_days(workshop)}


def _due_soon_days(workshop: Workshop) -> int:
    return domain.DEFAULT_DUE_SOON_DAYS if workshop.due_soon_days is None else workshop.due_soon_days


def _escalation_days(workshop: Workshop) -> int:
    return workshop.escalation_days or domain.DEFAULT_ESCALATION_DAYS


# -- reading activities -----------------------------------------------------------

def activity_lateness(session, activity: Activity, now: datetime,
                      workshops: dict | None = None) -> domain.Lateness | None:
    workshops = workshops if workshops is not None else {}
    workshop = workshops.get(activity.workshop_id)
    if workshop is None:
        workshop = workshops[activity.workshop_id] = _settings(session, activity.workshop_id)
    if activity.state not in domain.FOLLOWED_STATES:
        return None
    return domain.lateness(activity.follow_up_on, domain.local_today(now, workshop.time_zone),
                           due_soon_days=_due_soon_days(workshop),
                           escalation_days=_escalation_days(workshop))


def _delegation_ref(session, delegation_id: str) -> dict:
    delegation = session.get(Delegation, delegation_id)
    return {"delegation_id": delegation_id,
            "name": delegation.name if delegation else None,
            "country": delegation.country if delegation else None,
            "withdrawn": bool(delegation and delegation.withdrawn_version is not None)}


def _round_of(session, activity: Activity) -> dict | None:
    if activity.round_session is None:
        return None
    found = session.scalar(sa.select(ScheduleRound).where(
        ScheduleRound.workshop_id == activity.workshop_id,
        ScheduleRound.session == activity.round_session,
        ScheduleRound.table == activity.round_table))
    return {"session": activity.round_session, "table": activity.round_table,
            "round_id": found.round_id if found else None,
            "program_id": found.program_id if found else activity.program_id}


def _iso(value):
    return value.isoformat() if value is not None else None


def describe(session, activity: Activity, now: datetime, *, workshops: dict | None = None,
             with_trail: bool = False) -> dict:
    """The activity as staff see it: names resolved, lateness as of `now`."""
    late = activity_lateness(session, activity, now, workshops)
    view = {
        "id": activity.id, "workshop_id": activity.workshop_id,
        "title": title_of(session, activity), "state": activity.state,
        "demanding": _delegation_ref(session, activity.demanding_delegation_id),
        "supplying": [_delegation_ref(session, d) for d in activity.supplying_delegation_ids],
        "supplying_defined": bool(activity.supplying_delegation_ids),
        "program_id": activity.program_id, "topic": activity.topic,
        "activity_types": activity.activity_types, "mechanism": activity.mechanism,
        "focus": activity.focus, "description": activity.description,
        "expression_id": activity.expression_id, "round": _round_of(session, activity),
        "funding_source": activity.funding_source,
        "planned_start": _iso(activity.planned_start), "planned_end": _iso(activity.planned_end),
        "terms_of_reference": activity.terms_of_reference,
        "owner_staff_id": activity.owner_staff_id,
        "follow_up_on": _iso(activity.follow_up_on),
        "lateness": late.level if late else None,
        "days_overdue": late.days_overdue if late else 0,
        "estimated_cost": activity.estimated_cost, "currency": activity.currency,
        "scores": activity.scores or {},
        "proposed_at": _iso(activity.proposed_at), "updated_at": _iso(activity.updated_at),
    }
    if with_trail:
        changes = session.scalars(sa.select(ActivityChange).where(
            ActivityChange.activity_id == activity.id).order_by(ActivityChange.id)).all()
        view["trail"] = [{"at": _iso(c.at), "kind": c.kind, "actor": c.actor, "origin": c.origin,
                          "from_state": c.from_state, "to_state": c.to_state,
                          "reason": c.reason, "details": c.details} for c in changes]
        updates = session.scalars(sa.select(CounterpartUpdate).where(
            CounterpartUpdate.activity_id == activity.id).order_by(CounterpartUpdate.id)).all()
        view["updates"] = [{"at": _iso(u.at), "delegation_id": u.delegation_id,
                            "delegate_id": u.delegate_id, "text": u.text} for u in updates]
    return view


def list_activities(session, *, now: datetime, workshop_id: str | None = None,
                    states: list[str] | None = None, owner_staff_id: str | None = None,
                    delegation_id: str | None = None, overdue: bool | None = None) -> list[dict]:
    query = sa.select(Activity).order_by(Activity.proposed_at, Activity.id)
    if workshop_id:
        query = query.where(Activity.workshop_id == workshop_id)
    if states:
        query = query.where(Activity.state.in_(states))
    if owner_staff_id:
        query = query.where(Activity.owner_staff_id == owner_staff_id)
    workshops: dict = {}
    out = []
    for activity in session.scalars(query):
        if delegation_id and delegation_id not in counterparts(activity):
            continue
        view = describe(session, activity, now, workshops=workshops)
        is_late = view["lateness"] in (domain.OVERDUE, domain.ESCALATION)
        if overdue is not None and is_late != overdue:
            continue
        out.append(view)
    return out


# -- the timer: follow-ups and weekly digests ---------------------------------------

def _staff_with_role(session, role: str) -> list[str]:
    staff = session.scalars(sa.select(StaffMember).where(StaffMember.active.is_(True))
                            .order_by(StaffMember.id)).all()
    return [s.id for s in staff if role in (s.roles or [])]


def scan_follow_ups(*, uow, now: datetime) -> int:
    """Publish `activity_follow_up_due` for every activity whose follow-up is near
    or late in its workshop's time zone; once per activity, level and date."""
    session = uow.session
    activities = session.scalars(sa.select(Activity).where(
        Activity.state.in_(domain.FOLLOWED_STATES), Activity.follow_up_on.is_not(None))
        .order_by(Activity.id)).all()
    workshops: dict = {}
    coordinators = None
    published = 0
    for activity in activities:
        late = activity_lateness(session, activity, now, workshops)
        if late is None:
            continue
        key = (activity.id, late.level, activity.follow_up_on)
        if session.get(FollowUpNotice, key) is not None:
            continue
        if coordinators is None:
            coordinators = _staff_with_role(session, "coordinator")
        session.add(FollowUpNotice(activity_id=activity.id, level=late.level,
                                   follow_up_on=activity.follow_up_on, detected_at=now))
        uow.publish(Event("activity_follow_up_due", schemas.ActivityFollowUpDue().dump({
            "activity_id": activity.id, "workshop_id": activity.workshop_id,
            "title": title_of(session, activity), "state": activity.state,
            "level": late.level, "follow_up_on": activity.follow_up_on,
            "days_overdue": late.days_overdue, "owner_staff_id": activity.owner_staff_id,
            "escalation_staff_ids": coordinators if late.level == domain.ESCALATION else [],
            "counterpart_delegation_ids": counterparts(activity), "detected_at": now})))
        published += 1
    return published


def prepare_digests(*, uow, now: datetime, render_charts=None) -> int:
    """Once a week, for each owner with activities to follow, what is late and
    what is coming. `render_charts(views)` returns [(name, png bytes)]."""
    import base64

    session = uow.session
    week = domain.week_of(now.date())
    owners = session.scalars(sa.select(Activity.owner_staff_id).distinct().where(
        Activity.state.in_(domain.FOLLOWED_STATES), Activity.owner_staff_id.is_not(None))).all()
    prepared = 0
    for owner in sorted(owners):
        if session.get(WeeklyDigest, (owner, week)) is not None:
            continue
        staff = session.get(StaffMember, owner)
        if staff is not None and not staff.active:
            continue
        views = list_activities(session, now=now, owner_staff_id=owner,
                                states=list(domain.FOLLOWED_STATES))
        workshop_ids = {v["workshop_id"] for v in views}
        item = lambda v: {"activity_id": v["id"], "title": v["title"], "state": v["state"],  # noqa: E731
                          "follow_up_on": date.fromisoformat(v["follow_up_on"]),
                          "days_overdue": v["days_overdue"]}
        charts = [{"name": name, "content_type": "image/png",
                   "data_base64": base64.b64encode(png).decode()}
                  for name, png in (render_charts(views) if render_charts else [])]
        digest_id = str(uuid.uuid4())
        session.add(WeeklyDigest(owner_staff_id=owner, week_of=week, digest_id=digest_id,
                                 prepared_at=now))
        uow.publish(Event("weekly_digest_prepared", schemas.WeeklyDigestPrepared().dump({
            "digest_id": digest_id, "owner_staff_id": owner, "week_of": week,
            "workshop_id": workshop_ids.pop() if len(workshop_ids) == 1 else None,
            "open_count": len(views),
            "overdue": [item(v) for v in views
                        if v["lateness"] in (domain.OVERDUE, domain.ESCALATION)],
            "due_soon": [item(v) for v in views if v["lateness"] == domain.DUE_SOON],
            "charts": charts})))
        prepared += 1
    return prepared


# -- selection for funding ----------------------------------------------------------

def set_criteria(workshop_id: str, form: dict, *, uow) -> list[dict]:
    session = uow.session
    workshop_row(session, workshop_id)
    session.execute(sa.delete(Criterion).where(Criterion.workshop_id == workshop_id))
    for criterion in form["criteria"]:
        session.add(Criterion(workshop_id=workshop_id, **criterion))
    return form["criteria"]


def criteria_of(session, workshop_id: str) -> dict[str, Criterion]:
    rows = session.scalars(sa.select(Criterion).where(Criterion.workshop_id == workshop_id)
                           .order_by(Criterion.key)).all()
    return {c.key: c for c in rows}


def score_activity(activity_id: str, form: dict, *, uow, actor: Actor, now: datetime) -> dict:
    session = uow.session
    activity = get_activity(session, activity_id, for_update=True)
    criteria = criteria_of(session, activity.workshop_id)
    if not criteria:
        raise Conflict(f"workshop {activity.workshop_id} has no criteria yet; "
                       "PUT /workshops/{id}/criteria first")
    unknown = sorted(set(form["scores"]) - set(criteria))
    if unknown:
        raise invalid(f"scores.{unknown[0]}", f"not a criterion of the workshop "
                      f"(known: {', '.join(criteria)})")
    activity.scores = {**(activity.scores or {}), **form["scores"]}
    if "estimated_cost" in form:
        activity.estimated_cost = form["estimated_cost"]
    if "currency" in form:
        activity.currency = form["currency"]
    activity.updated_at = now
    _audit(session, activity, kind="scored", actor=actor, now=now,
           details={"scores": form["scores"], "estimated_cost": form.get("estimated_cost")})
    return {"activity_id": activity.id, "scores": activity.scores,
            "score": domain.weighted_score({k: c.weight for k, c in criteria.items()},
                                           activity.scores),
            "estimated_cost": activity.estimated_cost, "currency": activity.currency}


def propose_selection(workshop_id: str, form: dict, *, uow, actor: Actor,
                      now: datetime) -> FundingSelection:
    """The activities under review that maximise the total weighted score within
    the budget (exact), kept as a proposal for staff to confirm."""
    session = uow.session
    criteria = criteria_of(session, workshop_id)
    if not criteria:
        raise Conflict(f"workshop {workshop_id} has no criteria yet")
    weights = {k: c.weight for k, c in criteria.items()}
    eligible = session.scalars(sa.select(Activity).where(
        Activity.workshop_id == workshop_id, Activity.state == domain.UNDER_REVIEW,
        Activity.estimated_cost.is_not(None)).order_by(Activity.id)).all()
    eligible = [a for a in eligible if (a.currency or form["currency"]) == form["currency"]]
    candidates = [domain.Candidate(a.id, a.estimated_cost, domain.weighted_score(weights, a.scores))
                  for a in eligible]
    best = domain.best_selection(candidates, form["budget"])
    by_id = {a.id: a for a in eligible}
    scores = {c.key: c.score for c in candidates}
    selection = FundingSelection(
        id=str(uuid.uuid4()), workshop_id=workshop_id, budget=form["budget"],
        currency=form["currency"], funding_source=form["funding_source"], status="proposed",
        selected=[{"activity_id": key, "title": title_of(session, by_id[key]),
                   "score": scores[key], "cost": by_id[key].estimated_cost}
                  for key in best.chosen],
        candidate_count=len(candidates), total_cost=best.total_cost,
        total_score=best.total_score, proposed_by=actor.name, proposed_at=now)
    session.add(selection)
    return selection


def confirm_selection(selection_id: str, *, uow, actor: Actor, now: datetime) -> FundingSelection:
    """Staff confirm a proposal: its activities become selected with the
    proposal's funding source, and the result is published."""
    session = uow.session
    selection = session.get(FundingSelection, selection_id, with_for_update=True)
    if selection is None:
        raise NotFound(f"no selection {selection_id}")
    if selection.status != "proposed":
        raise Conflict(f"selection {selection_id} is already {selection.status}")
    for item in selection.selected:
        activity = get_activity(session, item["activity_id"], for_update=True)
        if activity.state != domain.UNDER_REVIEW:
            raise Conflict(f"activity {activity.id} is {activity.state} now, no longer under "
                           "review; propose a new selection",
                           [{"path": "selected", "message": activity.id}])
    for item in selection.selected:
        transition(item["activity_id"], {
            "to": domain.SELECTED, "funding_source": selection.funding_source,
            "reason": f"funding selection {selection.id} confirmed"},
            uow=uow, actor=actor, now=now)
    selection.status = "confirmed"
    selection.confirmed_by = actor.name
    selection.confirmed_at = now
    uow.publish(Event("funding_selection_confirmed", schemas.FundingSelectionConfirmed().dump({
        "selection_id": selection.id, "workshop_id": selection.workshop_id,
        "budget": selection.budget, "currency": selection.currency,
        "total_cost": selection.total_cost, "total_score": selection.total_score,
        "selected": selection.selected, "confirmed_by": actor.name, "confirmed_at": now})))
    return selection


def describe_selection(selection: FundingSelection) -> dict:
    return {"id": selection.id, "workshop_id": selection.workshop_id, "status": selection.status,
            "budget": selection.budget, "currency": selection.currency,
            "funding_source": selection.funding_source, "selected": selection.selected,
            "candidate_count": selection.candidate_count, "total_cost": selection.total_cost,
            "total_score": selection.total_score, "proposed_by": selection.proposed_by,
            "proposed_at": _iso(selection.proposed_at), "confirmed_by": selection.confirmed_by,
            "confirmed_at": _iso(selection.confirmed_at)}
