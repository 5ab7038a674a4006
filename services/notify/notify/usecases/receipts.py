"""Receipts for the forms intake accepted: program profiles, their review,
programmatic interests and expressions of interest, each to the delegation's
focal point in their language."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from rueda_backbone.read_models import keep_latest

from .. import domain, rendering
from ..models import Email, Program, Recipient
from .directory import delegation_labels, focal_points_of, workshop_of
from .emails import format_deadline, queue_all, queued


def _imported(message: dict, kind: str) -> list[Email] | None:
    """Records of a past workshop loaded by an archive import: nobody is sent
    a receipt for them (notify still keeps what later emails name)."""
    return queued(kind, [], imported=True) if message.get("imported") else None


def acknowledge_program(message: dict, *, uow, now: datetime, event_id: str) -> list[Email]:
    """A receipt for a submitted program profile, to the delegation's focal point."""
    session = uow.session
    # kept for the titles later receipts name; an older revision arriving
    # late changes nothing
    keep_latest(
        session,
        Program.__table__,
        {
            "id": message["program_id"],
            "delegation_id": message["delegation_id"],
            "title": message["title"],
            "version": message["version"],
        },
    )
    skipped = _imported(message, domain.PROGRAM_RECEIVED)
    if skipped is not None:
        return skipped
    recipients = focal_points_of(session, message["delegation_id"])
    workshop = workshop_of(session, message.get("workshop_id"))
    zone = workshop.time_zone if workshop else None

    def context(language):
        return {
            "title": message["title"],
            "version": message["version"],
            "program_id": message["program_id"],
            "submitted_at": rendering.when(message["submitted_at"], zone, language),
            "missing_fields": message.get("missing_fields"),
            "deadline": format_deadline(
                workshop.deadline_programs if workshop else None, workshop, language
            ),
        }

    return queued(
        domain.PROGRAM_RECEIVED,
        queue_all(
            uow,
            recipients,
            now=now,
            event_id=event_id,
            kind=domain.PROGRAM_RECEIVED,
            context=context,
            workshop=workshop,
        ),
    )


def acknowledge_review(message: dict, *, uow, now: datetime, event_id: str) -> list[Email]:
    """The review's outcome (accepted, or returned with the reason), to the focal point."""
    session = uow.session
    recipients = focal_points_of(session, message["delegation_id"])
    program = session.get(Program, message["program_id"])
    context = {
        "title": program.title if program else message["program_id"],
        "version": message["version"],
        "decision": message["decision"],
        "reason": message["reason"],
    }
    return queued(
        domain.PROGRAM_REVIEWED,
        queue_all(
            uow,
            recipients,
            now=now,
            event_id=event_id,
            kind=domain.PROGRAM_REVIEWED,
            context=context,
            workshop=workshop_of(session, message["workshop_id"]),
        ),
    )


def acknowledge_interest(message: dict, *, uow, now: datetime, event_id: str) -> list[Email]:
    """A receipt naming the programs wanted (by title) and the topics."""
    session = uow.session
    skipped = _imported(message, domain.INTEREST_RECEIVED)
    if skipped is not None:
        return skipped
    recipients = focal_points_of(session, message["delegation_id"])
    workshop = workshop_of(session, message["workshop_id"])
    titles = {
        p.id: p.title
        for p in session.scalars(sa.select(Program).where(Program.id.in_(message["programs"])))
    }

    def context(language):
        return {
            "version": message["version"],
            "programs": [titles.get(pid, pid) for pid in message["programs"]],
            "topics": [_topic(t, message.get("other_topic"), language) for t in message["topics"]],
            "deadline": format_deadline(
                workshop.deadline_interests if workshop else None, workshop, language
            ),
        }

    return queued(
        domain.INTEREST_RECEIVED,
        queue_all(
            uow,
            recipients,
            now=now,
            event_id=event_id,
            kind=domain.INTEREST_RECEIVED,
            context=context,
            workshop=workshop,
        ),
    )


def acknowledge_expression(message: dict, *, uow, now: datetime, event_id: str) -> list[Email]:
    """To the contact delegates it names, and the demanding delegation's focal point."""
    session = uow.session
    skipped = _imported(message, domain.EXPRESSION_RECEIVED)
    if skipped is not None:
        return skipped
    recipients = {r.id: r for r in focal_points_of(session, message["demanding_delegation_id"])}
    for delegate_id in message["contact_delegate_ids"]:
        recipient = session.get(Recipient, delegate_id)
        if recipient is not None:
            recipients[recipient.id] = recipient
    # a receipt never shows an id: the registrations come before the forms
    names = delegation_labels(
        session,
        [message["demanding_delegation_id"], *message["supplying_delegation_ids"]],
        required=True,
    )
    program = session.get(Program, message["program_id"]) if message["program_id"] else None

    def context(language):
        if program is not None:
            subject = program.title
        elif message["topic"]:
            subject = _topic(message["topic"], message.get("other_topic"), language)
        else:
            subject = rendering.label("unknown_program", language)
        status = message.get("supplier_status")
        return {
            "subject": subject,
            "demanding": names[message["demanding_delegation_id"]],
            "supplying": [names[i] for i in message["supplying_delegation_ids"]],
            "suppliers_unnamed": rendering.label(
                status if status in domain.LABELS else "not_yet_defined", language
            ),
            "description": message["description"],
        }

    return queued(
        domain.EXPRESSION_RECEIVED,
        queue_all(
            uow,
            sorted(recipients.values(), key=lambda r: r.id),
            now=now,
            event_id=event_id,
            kind=domain.EXPRESSION_RECEIVED,
            context=context,
            workshop=workshop_of(session, message["workshop_id"]),
        ),
    )


def _topic(code: str, other: str | None, language: str) -> str:
    """A topic in words of `language`; "other" is said with its own label."""
    if code == "other" and other:
        return other
    return rendering.label(code, language)
