"""Emails about cooperation activities, from followup's events: follow-up
reminders, status changes, the weekly digest and a confirmed funding
selection. Each says why its recipient gets it; the optional ones respect
opt-outs, the owner's never do."""

from __future__ import annotations

import base64
from datetime import datetime

import sqlalchemy as sa

from rueda_backbone.errors import Invalid

from .. import domain, rendering
from ..exceptions import NotKnownYet
from ..models import Activity, Delegation, Email, Recipient
from .directory import active_staff, delegation_labels, focal_points_of, opted_out, workshop_of
from .emails import queue_all, queued

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def remind_follow_up(message: dict, *, uow, now: datetime, event_id: str) -> list[Email]:
    """The owner, any escalation staff and the counterparts' focal points
    (unless they opted out) each get one reminder saying why they get it."""
    session = uow.session
    remember_activity(session, message)
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

    def base(language):
        return {
            "title": rendering.title(message["title"], language),
            "level": message["level"],
            "state": message["state"],
            "follow_up_on": rendering.day(message["follow_up_on"], language),
            "days_overdue": message["days_overdue"] or 0,
        }

    emails = []
    for recipient, reason in targets.values():
        emails += queue_all(
            uow,
            [recipient],
            now=now,
            event_id=event_id,
            kind=domain.FOLLOW_UP_DUE,
            context=lambda language, why=reason: {**base(language), "reason": why},
            workshop=workshop,
        )
    return queued(domain.FOLLOW_UP_DUE, emails)


def announce_status_change(message: dict, *, uow, now: datetime, event_id: str) -> list[Email]:
    """The owner and each counterpart's focal point (unless they opted out of
    activity updates) each get one notice of the move, saying why they get it."""
    session = uow.session
    remember_activity(session, message)
    targets: dict[str, tuple[Recipient, str]] = {}
    owner = active_staff(session, message["owner_staff_id"], required=True)
    if owner is not None:
        targets[owner.id] = (owner, "owner")
    for delegation_id in message["counterpart_delegation_ids"]:
        for person in _counterpart_focal_points(session, delegation_id):
            if not opted_out(session, person.id, domain.ACTIVITY_UPDATES):
                targets.setdefault(person.id, (person, "counterpart"))
    workshop = workshop_of(session, message["workshop_id"])

    def base(language):
        return {
            "title": rendering.title(message["title"], language),
            "from_state": message["from_state"],
            "to_state": message["to_state"],
            "funding_source": message["funding_source"],
            "reason": message["reason"],
        }

    emails = []
    for recipient, why in targets.values():
        emails += queue_all(
            uow,
            [recipient],
            now=now,
            event_id=event_id,
            kind=domain.ACTIVITY_STATUS_CHANGED,
            context=lambda language, why=why: {**base(language), "why": why},
            workshop=workshop,
        )
    return queued(domain.ACTIVITY_STATUS_CHANGED, emails)


def remember_activity(session, message: dict) -> None:
    """Keep an activity's delegations (demanding first), for the funding email."""
    activity = session.get(Activity, message["activity_id"]) or Activity(id=message["activity_id"])
    activity.delegation_ids = list(message["counterpart_delegation_ids"])
    session.add(activity)


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
            raise Invalid.field(
                path, "not valid base64", summary=f"chart {index} is not valid base64"
            ) from None
        if not content.startswith(PNG_SIGNATURE):
            raise Invalid.field(
                path, "not a PNG image", summary=f"chart {index} is not a PNG image"
            )
        cid = f"chart{index}.{message['digest_id']}@rueda"
        charts.append({"name": chart["name"], "cid": cid})
        attachments.append((f"chart-{index + 1}.png", "image/png", content, cid))

    def context(language):
        return {
            "week_of": rendering.day(message["week_of"], language),
            "open_count": message["open_count"],
            "overdue": _items(message["overdue"], language),
            "due_soon": _items(message["due_soon"], language),
            "charts": charts,
        }

    return queued(
        domain.WEEKLY_DIGEST,
        queue_all(
            uow,
            [owner],
            now=now,
            event_id=event_id,
            kind=domain.WEEKLY_DIGEST,
            context=context,
            workshop=workshop_of(session, message["workshop_id"]),
            attachments=attachments,
        ),
    )


def _items(items, language):
    return [
        {
            "title": rendering.title(i["title"], language),
            "state": rendering.label(i["state"], language),
            "follow_up_on": rendering.day(i["follow_up_on"], language),
            "days_overdue": i["days_overdue"] or 0,
        }
        for i in items
    ]


def _named(session, delegations: list[dict]) -> list[str]:
    """Labels of the delegations an event names ("MDS (Brazil)"); one it names
    without a name is labelled from notify's directory."""
    out = []
    for d in delegations:
        name = d.get("acronym") or d.get("institution")
        out.append(
            domain.delegation_label(name, d.get("region") or d.get("country"))
            if name
            else delegation_labels(session, [d["delegation_id"]])[d["delegation_id"]]
        )
    return out


def announce_funding(message: dict, *, uow, now: datetime, event_id: str) -> list[Email]:
    """What was selected, against the budget, to active staff with a funding
    role (opt-out `funding_notices`)."""
    session = uow.session
    staff = [
        r
        for r in session.scalars(
            sa.select(Recipient)
            .where(Recipient.kind == domain.STAFF, Recipient.active.is_(True))
            .order_by(Recipient.id)
        )
        if set(r.roles or ()) & set(domain.FUNDING_ROLES)
        and not opted_out(session, r.id, domain.FUNDING_NOTICES)
    ]
    # each activity with its delegations, so two on one topic can be told apart:
    # from the event since v2, else from what notify remembered of the activity
    delegations = {}
    for item in message["selected"]:
        if "demanding" in item:
            delegations[item["activity_id"]] = _named(
                session, [item["demanding"], *item.get("supplying", [])]
            )
            continue
        activity = session.get(Activity, item["activity_id"])
        ids = list(activity.delegation_ids) if activity is not None else []
        labels = delegation_labels(session, ids)
        delegations[item["activity_id"]] = [labels[i] for i in ids]
    currency = message["currency"]

    def context(language):
        return {
            "budget": rendering.money(message["budget"], currency, language),
            "total_cost": rendering.money(message["total_cost"], currency, language),
            "selected": [
                {
                    "title": rendering.title(s["title"], language),
                    "delegations": delegations[s["activity_id"]],
                    "cost": rendering.money(s["cost"], s.get("currency") or currency, language),
                }
                for s in message["selected"]
            ],
        }

    return queued(
        domain.FUNDING_SELECTION,
        queue_all(
            uow,
            staff,
            now=now,
            event_id=event_id,
            kind=domain.FUNDING_SELECTION,
            context=context,
            workshop=workshop_of(session, message["workshop_id"]),
        ),
    )
