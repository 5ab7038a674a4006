"""Emails about cooperation activities, from followup's events: follow-up
reminders, status changes, the weekly digest and a confirmed funding
selection. Each says why its recipient gets it; the optional ones respect
opt-outs, the owner's never do."""
from __future__ import annotations

import base64
from datetime import datetime

import sqlalchemy as sa

from rueda_backbone.errors import Invalid

from .. import domain
from ..exceptions import NotKnownYet
from ..models import Delegation, Email, Recipient
from .directory import active_staff, focal_points_of, opted_out, workshop_of
from .emails import queue_all, queued

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def remind_follow_up(message: dict, *, uow, now: datetime, event_id: str) -> list[Email]:
    """The owner, any escalation staff and the counterparts' focal points
    (unless they opted out) each get one reminder saying why they get it."""
    session = uow.session
    targets: dict[str, tuple[Recipient, str]] = {}
    owner = active_staff(session, message["owner_staff_id"], required=True)
    if owner is not None:
        targets[owner.id] = (owner, "owner")
    for staff_id in message["escalation_staff_ids"]:
        staff = active_staff(session, staff_id, required=True)
        if staff is not None:
            targets.setdefault(staff.id, (staff, "escalation_staff"))
    for delegation_id in message["counterpart_delegation_ids"]:
        delegation = session.get(Delegation, delegation_id)
        if delegation is not None and delegation.withdrawn:
            continue
        for person in focal_points_of(session, delegation_id, required=False):
            if not opted_out(session, person.id, domain.COUNTERPART_REMINDERS):
                targets.setdefault(person.id, (person, "counterpart"))
    workshop = workshop_of(session, message["workshop_id"])
    base = {"title": message["title"], "level": message["level"], "state": message["state"],
            "follow_up_on": message["follow_up_on"].isoformat(),
            "days_overdue": message["days_overdue"] or 0}
    emails = []
    for recipient, reason in targets.values():
        emails += queue_all(uow, [recipient], now=now, event_id=event_id,
                            kind=domain.FOLLOW_UP_DUE, context={**base, "reason": reason},
                            workshop=workshop)
    return queued(domain.FOLLOW_UP_DUE, emails)


def announce_status_change(message: dict, *, uow, now: datetime, event_id: str) -> list[Email]:
    """The owner and each counterpart's focal point (unless they opted out of
    activity updates) each get one notice of the move, saying why they get it."""
    session = uow.session
    targets: dict[str, tuple[Recipient, str]] = {}
    owner = active_staff(session, message["owner_staff_id"], required=True)
    if owner is not None:
        targets[owner.id] = (owner, "owner")
    for delegation_id in message["counterpart_delegation_ids"]:
        for person in _counterpart_focal_points(session, delegation_id):
            if not opted_out(session, person.id, domain.ACTIVITY_UPDATES):
                targets.setdefault(person.id, (person, "counterpart"))
    workshop = workshop_of(session, message["workshop_id"])
    base = {"title": message["title"], "from_state": message["from_state"],
            "to_state": message["to_state"], "funding_source": message["funding_source"],
            "reason": message["reason"]}
    emails = []
    for recipient, why in targets.values():
        emails += queue_all(uow, [recipient], now=now, event_id=event_id,
                            kind=domain.ACTIVITY_STATUS_CHANGED, context={**base, "why": why},
                            workshop=workshop)
    return queued(domain.ACTIVITY_STATUS_CHANGED, emails)


def _counterpart_focal_points(session, delegation_id: str) -> list[Recipient]:
    """Focal points of a counterpart delegation still taking part.

    A delegation notify has no contacts for yet is waited for (intake
    publishes contacts for every registration, so they are on their way); one
    whose delegates were all erased, or that withdrew, is told nothing."""
    delegation = session.get(Delegation, delegation_id)
    if delegation is not None and delegation.withdrawn:
        return []
    people = focal_points_of(session, delegation_id, required=False)
    if not people and (delegation is None or not delegation.contacts_version):
        raise NotKnownYet(f"no contacts yet for delegation {delegation_id}")
    return people


def send_digest(message: dict, *, uow, now: datetime, event_id: str) -> list[Email]:
    """The owner's weekly digest, its charts inline (opt-out `digests`)."""
    session = uow.session
    owner = active_staff(session, message["owner_staff_id"], required=True)
    if owner is None or opted_out(session, owner.id, domain.DIGESTS):
        return queued(domain.WEEKLY_DIGEST, [])
    charts, attachments = [], []
    for index, chart in enumerate(message["charts"]):
        path = f"charts[{index}].data_base64"
        try:
            content = base64.b64decode(chart["data_base64"], validate=True)
        except ValueError:
            raise Invalid.field(path, "not valid base64",
                                summary=f"chart {index} is not valid base64") from None
        if not content.startswith(PNG_SIGNATURE):
            raise Invalid.field(path, "not a PNG image", summary=f"chart {index} is not a PNG image")
        cid = f"chart{index}.{message['digest_id']}@rueda"
        charts.append({"name": chart["name"], "cid": cid})
        attachments.append((f"chart-{index + 1}.png", "image/png", content, cid))
    context = {"week_of": message["week_of"].isoformat(), "open_count": message["open_count"],
               "overdue": _items(message["overdue"]), "due_soon": _items(message["due_soon"]),
               "charts": charts}
    return queued(domain.WEEKLY_DIGEST, queue_all(
        uow, [owner], now=now, event_id=event_id, kind=domain.WEEKLY_DIGEST, context=context,
        workshop=workshop_of(session, message["workshop_id"]), attachments=attachments))


def _items(items):
    return [{"title": i["title"], "state": i["state"].replace("_", " "),
             "follow_up_on": i["follow_up_on"].isoformat() if i["follow_up_on"] else "",
             "days_overdue": i["days_overdue"] or 0} for i in items]


def announce_funding(message: dict, *, uow, now: datetime, event_id: str) -> list[Email]:
    """What was selected, against the budget, to active staff with a funding
    role (opt-out `funding_notices`)."""
    session = uow.session
    staff = [r for r in session.scalars(sa.select(Recipient).where(
        Recipient.kind == domain.STAFF, Recipient.active.is_(True)).order_by(Recipient.id))
        if set(r.roles or ()) & set(domain.FUNDING_ROLES)
        and not opted_out(session, r.id, domain.FUNDING_NOTICES)]
    context = {"budget": message["budget"], "currency": message["currency"],
               "total_cost": message["total_cost"],
               "selected": [{"title": s["title"], "cost": s["cost"]} for s in message["selected"]]}
    return queued(domain.FUNDING_SELECTION, queue_all(
        uow, staff, now=now, event_id=event_id, kind=domain.FUNDING_SELECTION, context=context,
        workshop=workshop_of(session, message["workshop_id"])))
