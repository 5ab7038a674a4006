"""Scores and the selection for funding: staff weigh criteria per workshop,
score activities against them, and confirm the exact best selection within
a budget."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa

from .. import domain, schemas
from ..exceptions import Conflict, FieldRefused, NotFound
from ..models import Activity, Criterion, Delegation, FundingSelection
from ..views import describe_selection, find_activity, supplier_status, title_of
from .activities import move
from .read_model import workshop_row
from .trail import acting, audit


def criteria_of(session, workshop_id: str) -> dict[str, Criterion]:
    rows = session.scalars(
        sa.select(Criterion).where(Criterion.workshop_id == workshop_id).order_by(Criterion.key)
    ).all()
    return {c.key: c for c in rows}


def get_criteria(query: dict, *, uow, now: datetime) -> dict:
    """A workshop's scoring criteria, by key."""
    return {
        "criteria": [
            {"key": c.key, "label": c.label, "weight": c.weight}
            for c in criteria_of(uow.session, query["workshop_id"]).values()
        ]
    }


def set_criteria(command: dict, *, uow, now: datetime) -> dict:
    """Replace a workshop's scoring criteria."""
    session = uow.session
    workshop_id = command["workshop_id"]
    workshop_row(session, workshop_id)
    session.execute(sa.delete(Criterion).where(Criterion.workshop_id == workshop_id))
    for criterion in command["criteria"]:
        session.add(Criterion(workshop_id=workshop_id, **criterion))
    return {"criteria": command["criteria"]}


def score_activity(command: dict, *, uow, now: datetime) -> dict:
    """Staff score an activity 0-5 on its workshop's criteria, with its estimated cost."""
    session = uow.session
    activity = find_activity(session, command["activity_id"], for_update=True)
    criteria = criteria_of(session, activity.workshop_id)
    if not criteria:
        raise Conflict(
            f"workshop {activity.workshop_id} has no criteria yet; "
            "PUT /workshops/{id}/criteria first"
        )
    unknown = sorted(set(command["scores"]) - set(criteria))
    if unknown:
        raise FieldRefused(
            f"scores.{unknown[0]}",
            f"not a criterion of the workshop (known: {', '.join(criteria)})",
        )
    activity.scores = {**(activity.scores or {}), **command["scores"]}
    if "estimated_cost" in command:
        activity.estimated_cost = command["estimated_cost"]
    if "currency" in command:
        activity.currency = command["currency"]
    activity.updated_at = now
    audit(
        session,
        activity,
        kind="scored",
        actor=acting(command, uow),
        now=now,
        details={"scores": command["scores"], "estimated_cost": command.get("estimated_cost")},
    )
    return {
        "activity_id": activity.id,
        "scores": activity.scores,
        "score": domain.weighted_score({k: c.weight for k, c in criteria.items()}, activity.scores),
        "estimated_cost": activity.estimated_cost,
        "currency": activity.currency,
    }


def propose_selection(command: dict, *, uow, now: datetime) -> dict:
    """The activities under review that maximise the total weighted score within
    the budget (exact), kept as a proposal for staff to confirm."""
    session = uow.session
    workshop_id = command["workshop_id"]
    criteria = criteria_of(session, workshop_id)
    if not criteria:
        raise Conflict(f"workshop {workshop_id} has no criteria yet")
    weights = {k: c.weight for k, c in criteria.items()}
    eligible = session.scalars(
        sa.select(Activity)
        .where(
            Activity.workshop_id == workshop_id,
            Activity.state == domain.UNDER_REVIEW,
            Activity.estimated_cost.is_not(None),
        )
        .order_by(Activity.id)
    ).all()
    eligible = [a for a in eligible if (a.currency or command["currency"]) == command["currency"]]
    candidates = [
        domain.Candidate(a.id, a.estimated_cost, domain.weighted_score(weights, a.scores))
        for a in eligible
    ]
    best = domain.best_selection(candidates, command["budget"])
    by_id = {a.id: a for a in eligible}
    scores = {c.key: c.score for c in candidates}
    selection = FundingSelection(
        id=str(uuid.uuid4()),
        workshop_id=workshop_id,
        budget=command["budget"],
        currency=command["currency"],
        funding_source=command["funding_source"],
        status="proposed",
        selected=[
            {
                "activity_id": key,
                "title": title_of(session, by_id[key]),
                "score": scores[key],
                "cost": by_id[key].estimated_cost,
            }
            for key in best.chosen
        ],
        candidate_count=len(candidates),
        total_cost=best.total_cost,
        total_score=best.total_score,
        proposed_by=acting(command, uow).name,
        proposed_at=now,
    )
    session.add(selection)
    return describe_selection(selection)


def _selection(session, selection_id: str, *, for_update: bool = False) -> FundingSelection:
    selection = session.get(FundingSelection, selection_id, with_for_update=for_update or None)
    if selection is None:
        raise NotFound(f"no selection {selection_id}")
    return selection


def get_selection(query: dict, *, uow, now: datetime) -> dict:
    """A funding selection, proposed or confirmed."""
    return describe_selection(_selection(uow.session, query["selection_id"]))


def delegation_ref(session, delegation_id: str) -> dict:
    """A delegation as the event names it (nulls for one followup has not seen)."""
    delegation = session.get(Delegation, delegation_id)
    return {
        "delegation_id": delegation_id,
        "acronym": delegation.acronym if delegation else None,
        "institution": delegation.institution if delegation else None,
        "country": delegation.country if delegation else None,
        "region": delegation.region if delegation and not delegation.country else None,
    }


def _selected(session, item: dict, activity: Activity, currency: str) -> dict:
    """A selected activity as v2 publishes it: its delegations and its cost's currency."""
    return {
        **item,
        "currency": activity.currency or currency,
        "demanding": delegation_ref(session, activity.demanding_delegation_id),
        "supplying": [delegation_ref(session, d) for d in activity.supplying_delegation_ids],
        "supplier_status": supplier_status(activity),
    }


def confirm_selection(command: dict, *, uow, now: datetime) -> dict:
    """Staff confirm a proposal: its activities become selected with the
    proposal's funding source, and the result is published."""
    session = uow.session
    selection = _selection(session, command["selection_id"], for_update=True)
    if selection.status != "proposed":
        raise Conflict(f"selection {selection.id} is already {selection.status}")
    activities = [
        find_activity(session, item["activity_id"], for_update=True) for item in selection.selected
    ]
    for activity in activities:
        if activity.state != domain.UNDER_REVIEW:
            raise Conflict(
                f"activity {activity.id} is {activity.state} now, no longer under "
                "review; propose a new selection",
                [{"path": "selected", "message": activity.id}],
            )
    actor = acting(command, uow)
    for activity in activities:
        move(
            session,
            activity,
            {
                "to": domain.SELECTED,
                "funding_source": selection.funding_source,
                "reason": f"funding selection {selection.id} confirmed",
            },
            uow=uow,
            actor=actor,
            now=now,
        )
    selection.status = "confirmed"
    selection.confirmed_by = actor.name
    selection.confirmed_at = now
    by_id = {a.id: a for a in activities}
    uow.publish(
        schemas.PUBLISHED.event(
            "funding_selection_confirmed",
            {
                "selection_id": selection.id,
                "workshop_id": selection.workshop_id,
                "budget": selection.budget,
                "currency": selection.currency,
                "total_cost": selection.total_cost,
                "total_score": selection.total_score,
                "selected": [
                    _selected(session, item, by_id[item["activity_id"]], selection.currency)
                    for item in selection.selected
                ],
                "confirmed_by": actor.name,
                "confirmed_at": now,
            },
        )
    )
    return describe_selection(selection)
