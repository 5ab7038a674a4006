"""How staff see activities and selections: names resolved, lateness counted
in the workshop's time zone as of `now`. Read by the use cases, the reports
and the digests; changes nothing."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from . import domain
from .exceptions import ActivityNotFound
from .models import (
    Activity,
    ActivityChange,
    CounterpartUpdate,
    Delegation,
    FundingSelection,
    Program,
    ScheduleRound,
    Workshop,
)


def find_activity(session, activity_id: str, *, for_update: bool = False) -> Activity:
    activity = session.get(Activity, activity_id, with_for_update=for_update or None)
    if activity is None:
        raise ActivityNotFound(activity_id)
    return activity


def title_of(session, activity: Activity) -> str:
    """What to call the activity: staff's title, else the program, else the topic."""
    if activity.title:
        return activity.title
    if activity.program_id:
        program = session.get(Program, activity.program_id)
        if program is not None:
            return program.title
    topic = domain.topic_label(activity.topic, activity.other_topic)
    if topic:
        return topic if topic == activity.other_topic else topic.replace("_", " ").capitalize()
    return f"Program {activity.program_id}"


def supplier_status(activity: Activity) -> str:
    """named / several_not_yet_named / not_yet_defined (rows from before
    migration 0004 have none stored: their list says it)."""
    return domain.supplier_status(activity.supplier_status, activity.supplying_delegation_ids)


def counterparts(activity: Activity) -> list[str]:
    return [activity.demanding_delegation_id] + [
        d for d in activity.supplying_delegation_ids if d != activity.demanding_delegation_id
    ]


# -- a workshop's follow-up settings ------------------------------------------------


def workshop_settings(session, workshop_id: str) -> Workshop:
    """The workshop's row, or its defaults (not added) before anything set them."""
    return session.get(Workshop, workshop_id) or Workshop(
        id=workshop_id, version=0, cadence_days={}, schedule_revision=0
    )


def due_soon_days(workshop: Workshop) -> int:
    return (
        domain.DEFAULT_DUE_SOON_DAYS if workshop.due_soon_days is None else workshop.due_soon_days
    )


def escalation_days(workshop: Workshop) -> int:
    return workshop.escalation_days or domain.DEFAULT_ESCALATION_DAYS


def describe_settings(workshop: Workshop) -> dict:
    return {
        "workshop_id": workshop.id,
        "time_zone": workshop.time_zone or "UTC",
        "cadence_days": {**domain.DEFAULT_CADENCE_DAYS, **(workshop.cadence_days or {})},
        "due_soon_days": due_soon_days(workshop),
        "escalation_days": escalation_days(workshop),
    }


def activity_lateness(
    session, activity: Activity, now: datetime, workshops: dict | None = None
) -> domain.Lateness | None:
    """How late the activity's follow-up is; `workshops` caches settings over a list."""
    workshops = workshops if workshops is not None else {}
    workshop = workshops.get(activity.workshop_id)
    if workshop is None:
        workshop = workshops[activity.workshop_id] = workshop_settings(
            session, activity.workshop_id
        )
    if activity.state not in domain.FOLLOWED_STATES:
        return None
    return domain.lateness(
        activity.follow_up_on,
        domain.local_today(now, workshop.time_zone),
        due_soon_days=due_soon_days(workshop),
        escalation_days=escalation_days(workshop),
    )


# -- activities ----------------------------------------------------------------------


def _delegation_ref(session, delegation_id: str) -> dict:
    delegation = session.get(Delegation, delegation_id)
    return {
        "delegation_id": delegation_id,
        "name": delegation.name if delegation else None,
        "label": delegation.label if delegation else None,
        "country": delegation.country if delegation else None,
        "region": delegation.region if delegation else None,
        "withdrawn": bool(delegation and delegation.withdrawn_version is not None),
    }


def _round_of(session, activity: Activity) -> dict | None:
    if activity.round_session is None:
        return None
    found = session.scalar(
        sa.select(ScheduleRound).where(
            ScheduleRound.workshop_id == activity.workshop_id,
            ScheduleRound.session == activity.round_session,
            ScheduleRound.table == activity.round_table,
        )
    )
    return {
        "session": activity.round_session,
        "table": activity.round_table,
        "round_id": found.round_id if found else None,
        "program_id": found.program_id if found else activity.program_id,
    }


def iso(value):
    return value.isoformat() if value is not None else None


def describe(
    session,
    activity: Activity,
    now: datetime,
    *,
    workshops: dict | None = None,
    with_trail: bool = False,
) -> dict:
    """The activity as staff see it: names resolved, lateness as of `now`."""
    late = activity_lateness(session, activity, now, workshops)
    view = {
        "id": activity.id,
        "workshop_id": activity.workshop_id,
        "title": title_of(session, activity),
        "state": activity.state,
        "demanding": _delegation_ref(session, activity.demanding_delegation_id),
        "supplying": [_delegation_ref(session, d) for d in activity.supplying_delegation_ids],
        "supplying_defined": bool(activity.supplying_delegation_ids),
        "supplier_status": supplier_status(activity),
        "program_id": activity.program_id,
        "topic": activity.topic,
        "other_topic": activity.other_topic,
        "activity_types": activity.activity_types,
        "mechanism": activity.mechanism,
        "focus": activity.focus,
        "description": activity.description,
        "expression_id": activity.expression_id,
        "round": _round_of(session, activity),
        "funding_source": activity.funding_source,
        "planned_start": iso(activity.planned_start),
        "planned_end": iso(activity.planned_end),
        "terms_of_reference": activity.terms_of_reference,
        "owner_staff_id": activity.owner_staff_id,
        "follow_up_on": iso(activity.follow_up_on),
        "lateness": late.level if late else None,
        "days_overdue": late.days_overdue if late else 0,
        "estimated_cost": activity.estimated_cost,
        "currency": activity.currency,
        "scores": activity.scores or {},
        "proposed_at": iso(activity.proposed_at),
        "updated_at": iso(activity.updated_at),
    }
    if with_trail:
        changes = session.scalars(
            sa.select(ActivityChange)
            .where(ActivityChange.activity_id == activity.id)
            .order_by(ActivityChange.id)
        ).all()
        view["trail"] = [
            {
                "at": iso(c.at),
                "kind": c.kind,
                "actor": c.actor,
                "origin": c.origin,
                "from_state": c.from_state,
                "to_state": c.to_state,
                "reason": c.reason,
                "details": c.details,
            }
            for c in changes
        ]
        updates = session.scalars(
            sa.select(CounterpartUpdate)
            .where(CounterpartUpdate.activity_id == activity.id)
            .order_by(CounterpartUpdate.id)
        ).all()
        view["updates"] = [
            {
                "at": iso(u.at),
                "delegation_id": u.delegation_id,
                "delegate_id": u.delegate_id,
                "text": u.text,
            }
            for u in updates
        ]
    return view


def activity_views(
    session,
    *,
    now: datetime,
    workshop_id: str | None = None,
    states: list[str] | None = None,
    owner_staff_id: str | None = None,
    delegation_id: str | None = None,
    overdue: bool | None = None,
) -> list[dict]:
    """The activities that match every filter given, oldest first, without trail."""
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


# -- funding selections ---------------------------------------------------------------


def describe_selection(selection: FundingSelection) -> dict:
    return {
        "id": selection.id,
        "workshop_id": selection.workshop_id,
        "status": selection.status,
        "budget": selection.budget,
        "currency": selection.currency,
        "funding_source": selection.funding_source,
        "selected": selection.selected,
        "candidate_count": selection.candidate_count,
        "total_cost": selection.total_cost,
        "total_score": selection.total_score,
        "proposed_by": selection.proposed_by,
        "proposed_at": iso(selection.proposed_at),
        "confirmed_by": selection.confirmed_by,
        "confirmed_at": iso(selection.confirmed_at),
    }
