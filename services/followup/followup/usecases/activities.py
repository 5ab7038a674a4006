"""The activity's lifecycle: an expression of interest becomes an activity
(or staff record one), staff move it through its states and name its
supplying side, and staff read it."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa

from rueda_backbone import Event

from .. import domain, schemas
from ..exceptions import Conflict, FieldRefused, WorkshopNotFound
from ..models import Activity, Delegation, Expression, Workshop
from ..views import activity_views, counterparts, describe, find_activity, title_of
from .follow_ups import check_staff, default_owner, reset_follow_up
from .trail import Actor, acting, audit

# activities from expressions get their id from the expression's, so a
# re-delivery can never make a second one
ACTIVITY_NAMESPACE = uuid.UUID("6d1c1b8e-5f43-4f0e-9a47-0c2f4e7b9a11")


def _proposed_event(session, activity: Activity) -> Event:
    return schemas.PUBLISHED.event(
        "activity_proposed",
        {
            "activity_id": activity.id,
            "workshop_id": activity.workshop_id,
            "title": title_of(session, activity),
            "demanding_delegation_id": activity.demanding_delegation_id,
            "supplying_delegation_ids": list(activity.supplying_delegation_ids),
            "program_id": activity.program_id,
            "topic": activity.topic,
            "owner_staff_id": activity.owner_staff_id,
            "expression_id": activity.expression_id,
            "proposed_at": activity.proposed_at,
        },
    )


def _status_event(
    session, activity: Activity, from_state: str, *, reason: str, actor: Actor, now: datetime
) -> Event:
    return schemas.PUBLISHED.event(
        "activity_status_changed",
        {
            "activity_id": activity.id,
            "workshop_id": activity.workshop_id,
            "title": title_of(session, activity),
            "from_state": from_state,
            "to_state": activity.state,
            "funding_source": activity.funding_source,
            "reason": reason,
            "changed_by": actor.name,
            "changed_at": now,
            "owner_staff_id": activity.owner_staff_id,
            "counterpart_delegation_ids": counterparts(activity),
        },
    )


# -- from intake's expressions of interest ----------------------------------------------


def _apply_expression(activity: Activity, message: dict) -> None:
    activity.demanding_delegation_id = message["demanding_delegation_id"]
    if message["supplying_delegation_ids"] or not activity.supplying_delegation_ids:
        activity.supplying_delegation_ids = list(dict.fromkeys(message["supplying_delegation_ids"]))
    activity.supplier_status = domain.supplier_status(
        message.get("supplier_status"), activity.supplying_delegation_ids
    )
    activity.program_id = message["program_id"] or (message["round"] or {}).get("program_id")
    activity.topic = message["topic"]
    activity.other_topic = (
        message.get("other_topic") if message["topic"] == domain.OTHER_TOPIC else None
    )
    activity.activity_types = list(message["activity_types"])
    activity.mechanism = message["mechanism"]
    activity.focus = message["focus"]
    activity.description = message["description"]
    activity.contact_delegate_ids = list(message["contact_delegate_ids"])
    activity.round_session = (message["round"] or {}).get("session")
    activity.round_table = (message["round"] or {}).get("table")


def _expression(session, message: dict) -> Expression:
    expression = session.get(Expression, message["expression_id"])
    if expression is None:
        expression = Expression(
            id=message["expression_id"], workshop_id=message["workshop_id"], version=0
        )
        session.add(expression)
    return expression


def record_expression(message: dict, *, uow, now: datetime) -> Activity | None:
    """intake's expression_of_interest_submitted becomes a proposed activity
    (once, whatever the order and number of deliveries). Names of delegations,
    programs and the workshop are looked up when shown, so they may arrive later."""
    session = uow.session
    actor = Actor("intake", uow.origin)
    expression = _expression(session, message)
    if message["version"] <= expression.version:
        return None  # a duplicate or an older version arriving late
    expression.version = message["version"]
    if (
        expression.withdrawn_version is not None
        and message["version"] <= expression.withdrawn_version
    ):
        return None  # withdrawn at this version already (the withdrawal came first)
    activity = session.scalar(
        sa.select(Activity).where(Activity.expression_id == message["expression_id"])
    )
    if activity is None:
        activity = Activity(
            id=str(uuid.uuid5(ACTIVITY_NAMESPACE, message["expression_id"])),
            workshop_id=message["workshop_id"],
            expression_id=message["expression_id"],
            state=domain.PROPOSED,
            scores={},
            proposed_at=message["submitted_at"],
            updated_at=now,
        )
        _apply_expression(activity, message)
        activity.owner_staff_id = default_owner(session, activity.workshop_id)
        session.add(activity)
        reset_follow_up(session, activity, now)
        audit(
            session,
            activity,
            kind="created",
            actor=actor,
            now=now,
            to_state=domain.PROPOSED,
            reason="expression of interest signed",
            details={"expression_version": message["version"]},
        )
        uow.publish(_proposed_event(session, activity))
        return activity
    _apply_expression(activity, message)
    activity.updated_at = now
    audit(
        session,
        activity,
        kind="expression_revised",
        actor=actor,
        now=now,
        details={"expression_version": message["version"]},
    )
    if activity.state == domain.WITHDRAWN:
        # the parties signed again after withdrawing: the activity is back
        activity.state = domain.PROPOSED
        reset_follow_up(session, activity, now)
        reason = f"expression of interest re-submitted (version {message['version']})"
        audit(
            session,
            activity,
            kind="transition",
            actor=actor,
            now=now,
            reason=reason,
            from_state=domain.WITHDRAWN,
            to_state=domain.PROPOSED,
        )
        uow.publish(
            _status_event(session, activity, domain.WITHDRAWN, reason=reason, actor=actor, now=now)
        )
    return activity


def withdraw_expression(message: dict, *, uow, now: datetime) -> Activity | None:
    """intake's expression_of_interest_withdrawn: its open activity is withdrawn."""
    session = uow.session
    expression = _expression(session, message)
    if (
        message["version"] < expression.version
        or (expression.withdrawn_version or 0) >= message["version"]
    ):
        return None  # a later version re-opened it, or this withdrawal was seen
    expression.withdrawn_version = message["version"]
    activity = session.scalar(
        sa.select(Activity).where(Activity.expression_id == message["expression_id"])
    )
    if activity is None or activity.state not in domain.OPEN_STATES:
        return activity
    actor = Actor("intake", uow.origin)
    reason = "expression of interest withdrawn by its signatories"
    from_state = activity.state
    activity.state = domain.WITHDRAWN
    activity.follow_up_on = None
    activity.updated_at = now
    audit(
        session,
        activity,
        kind="transition",
        actor=actor,
        now=now,
        reason=reason,
        from_state=from_state,
        to_state=domain.WITHDRAWN,
    )
    uow.publish(_status_event(session, activity, from_state, reason=reason, actor=actor, now=now))
    return activity


# -- staff ----------------------------------------------------------------------------


def check_workshop(session, workshop_id: str) -> Workshop:
    """The workshop, refused (404 naming `workshop_id`) unless intake published it."""
    workshop = session.get(Workshop, workshop_id)
    if workshop is None or not workshop.version:
        raise WorkshopNotFound(workshop_id)
    return workshop


def check_delegation(session, delegation_id: str, workshop_id: str, path: str) -> Delegation:
    """A delegation an activity names: known to followup, of the activity's
    workshop (when intake said which), not withdrawn; else 422 at `path`."""
    delegation = session.get(Delegation, delegation_id)
    if delegation is None:
        raise FieldRefused(path, f"no delegation {delegation_id} is known to followup")
    if delegation.workshop_id and delegation.workshop_id != workshop_id:
        raise FieldRefused(path, f"delegation {delegation_id} takes part in another workshop")
    if delegation.withdrawn_version is not None:
        raise FieldRefused(path, f"delegation {delegation_id} has withdrawn")
    return delegation


def check_supplying(
    session,
    ids: list[str],
    *,
    demanding: str,
    workshop_id: str,
    path: str = "supplying_delegation_ids",
) -> None:
    for index, delegation_id in enumerate(ids):
        if delegation_id == demanding:
            raise FieldRefused(
                f"{path}[{index}]", "the demanding delegation cannot also be the supplying side"
            )
        check_delegation(session, delegation_id, workshop_id, f"{path}[{index}]")


def create_activity(command: dict, *, uow, now: datetime) -> dict:
    """Staff record an activity that did not come from a signed expression;
    the workshop and every delegation it names must be known."""
    session = uow.session
    check_workshop(session, command["workshop_id"])
    check_delegation(
        session,
        command["demanding_delegation_id"],
        command["workshop_id"],
        "demanding_delegation_id",
    )
    supplying = list(dict.fromkeys(command["supplying_delegation_ids"]))
    check_supplying(
        session,
        supplying,
        demanding=command["demanding_delegation_id"],
        workshop_id=command["workshop_id"],
    )
    if command.get("owner_staff_id"):
        check_staff(session, command["owner_staff_id"], "owner_staff_id")
    activity = Activity(
        id=str(uuid.uuid4()),
        workshop_id=command["workshop_id"],
        title=command.get("title"),
        demanding_delegation_id=command["demanding_delegation_id"],
        supplying_delegation_ids=supplying,
        supplier_status=domain.supplier_status(command.get("supplier_status"), supplying),
        program_id=command.get("program_id"),
        topic=command.get("topic"),
        other_topic=command.get("other_topic"),
        activity_types=list(dict.fromkeys(command["activity_types"])),
        mechanism=command.get("mechanism"),
        focus=command.get("focus"),
        description=command.get("description"),
        contact_delegate_ids=[],
        state=domain.PROPOSED,
        scores={},
        proposed_at=now,
        updated_at=now,
    )
    activity.owner_staff_id = command.get("owner_staff_id") or default_owner(
        session, command["workshop_id"]
    )
    session.add(activity)
    reset_follow_up(session, activity, now)
    if command.get("follow_up_on"):
        activity.follow_up_on = command["follow_up_on"]
    audit(
        session,
        activity,
        kind="created",
        actor=acting(command, uow),
        now=now,
        to_state=domain.PROPOSED,
        reason="recorded by staff",
    )
    uow.publish(_proposed_event(session, activity))
    return describe(session, activity, now, with_trail=True)


def get_activity(query: dict, *, uow, now: datetime) -> dict:
    """One activity with its trail and the counterparts' updates."""
    activity = find_activity(uow.session, query["activity_id"])
    return describe(uow.session, activity, now, with_trail=True)


def list_activities(query: dict, *, uow, now: datetime) -> dict:
    """The activities matching the query's filters (`workshop_id`, `states`,
    `owner_staff_id`, `delegation_id`, `overdue`; each optional)."""
    return {
        "activities": activity_views(
            uow.session,
            now=now,
            workshop_id=query.get("workshop_id"),
            states=query.get("states"),
            owner_staff_id=query.get("owner_staff_id"),
            delegation_id=query.get("delegation_id"),
            overdue=query.get("overdue"),
        )
    }


def move(session, activity: Activity, change: dict, *, uow, actor: Actor, now: datetime) -> None:
    """Move an activity in its lifecycle, or refuse with the reason; kept in
    the trail and published."""
    try:
        domain.check_transition(
            activity.state,
            change["to"],
            funding_source=change.get("funding_source"),
            planned_start=change.get("planned_start"),
            planned_end=change.get("planned_end"),
            terms_of_reference=change.get("terms_of_reference"),
        )
    except domain.IllegalTransition as exc:
        raise Conflict(str(exc), [{"path": "to", "message": str(exc)}]) from None
    except domain.MissingForTransition as exc:
        raise FieldRefused(exc.field, str(exc)) from None
    from_state = activity.state
    activity.state = change["to"]
    if change["to"] == domain.SELECTED:
        activity.funding_source = change["funding_source"]
    if change["to"] == domain.PLANNED:
        activity.planned_start = change["planned_start"]
        activity.planned_end = change["planned_end"]
        activity.terms_of_reference = change["terms_of_reference"]
    activity.updated_at = now
    reset_follow_up(session, activity, now)
    details = {
        k: str(change[k])
        for k in ("funding_source", "planned_start", "planned_end")
        if change.get(k) is not None
    }
    audit(
        session,
        activity,
        kind="transition",
        actor=actor,
        now=now,
        reason=change["reason"],
        from_state=from_state,
        to_state=activity.state,
        details=details,
    )
    uow.publish(
        _status_event(session, activity, from_state, reason=change["reason"], actor=actor, now=now)
    )


def transition(command: dict, *, uow, now: datetime) -> dict:
    """Staff move an activity to `to`, with their `reason` (and what the new
    state needs: a funding source, dates and terms of reference)."""
    session = uow.session
    activity = find_activity(session, command["activity_id"], for_update=True)
    move(session, activity, command, uow=uow, actor=acting(command, uow), now=now)
    return describe(session, activity, now, with_trail=True)


def resolve_supplying(command: dict, *, uow, now: datetime) -> dict:
    """Staff name the supplying delegation(s) the expression left undefined (or correct them)."""
    session = uow.session
    activity = find_activity(session, command["activity_id"], for_update=True)
    ids = list(dict.fromkeys(command["supplying_delegation_ids"]))
    check_supplying(
        session, ids, demanding=activity.demanding_delegation_id, workshop_id=activity.workshop_id
    )
    before = list(activity.supplying_delegation_ids)
    activity.supplying_delegation_ids = ids
    activity.supplier_status = domain.NAMED
    activity.updated_at = now
    audit(
        session,
        activity,
        kind="supplying_resolved",
        actor=acting(command, uow),
        now=now,
        reason=command.get("reason"),
        details={"from": before, "to": ids},
    )
    return describe(session, activity, now, with_trail=True)
