"""Receipts for the forms intake accepted: program profiles, their review,
programmatic interests and expressions of interest, each to the delegation's
focal point in their language."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from .. import domain
from ..models import Email, Program, Recipient, ScheduleRevision
from .directory import focal_points_of, workshop_of
from .emails import format_deadline, queue_all, queued


def acknowledge_program(message: dict, *, uow, now: datetime, event_id: str) -> list[Email]:
    """A receipt for a submitted program profile, to the delegation's focal point."""
    session = uow.session
    program = session.get(Program, message["program_id"])
    if program is None or program.version <= message["version"]:
        # kept for the titles later receipts name
        program = program or Program(id=message["program_id"])
        program.delegation_id = message["delegation_id"]
        program.title = message["title"]
        program.version = message["version"]
        session.add(program)
    recipients = focal_points_of(session, message["delegation_id"])
    workshop = workshop_of(session, message.get("workshop_id"))
    context = {"title": message["title"], "version": message["version"],
               "program_id": message["program_id"],
               "submitted_at": message["submitted_at"].strftime("%Y-%m-%d %H:%M UTC"),
               "missing_fields": message.get("missing_fields"),
               "deadline": format_deadline(workshop.deadline_programs if workshop else None,
                                           workshop)}
    return queued(domain.PROGRAM_RECEIVED, queue_all(
        uow, recipients, now=now, event_id=event_id, kind=domain.PROGRAM_RECEIVED,
        context=context, workshop=workshop))


def acknowledge_review(message: dict, *, uow, now: datetime, event_id: str) -> list[Email]:
    """The review's outcome (accepted, or returned with the reason), to the focal point."""
    session = uow.session
    recipients = focal_points_of(session, message["delegation_id"])
    program = session.get(Program, message["program_id"])
    context = {"title": program.title if program else message["program_id"],
               "version": message["version"], "decision": message["decision"],
               "reason": message["reason"]}
    return queued(domain.PROGRAM_REVIEWED, queue_all(
        uow, recipients, now=now, event_id=event_id, kind=domain.PROGRAM_REVIEWED,
        context=context, workshop=workshop_of(session, message["workshop_id"])))


def acknowledge_interest(message: dict, *, uow, now: datetime, event_id: str) -> list[Email]:
    """A receipt naming the programs wanted (by title) and the topics."""
    session = uow.session
    recipients = focal_points_of(session, message["delegation_id"])
    workshop = workshop_of(session, message["workshop_id"])
    titles = {p.id: p.title for p in session.scalars(
        sa.select(Program).where(Program.id.in_(message["programs"])))}
    context = {"version": message["version"],
               "programs": [titles.get(pid, pid) for pid in message["programs"]],
               "topics": [t.replace("_", " ") for t in message["topics"]],
               "deadline": format_deadline(workshop.deadline_interests if workshop else None,
                                           workshop)}
    return queued(domain.INTEREST_RECEIVED, queue_all(
        uow, recipients, now=now, event_id=event_id, kind=domain.INTEREST_RECEIVED,
        context=context, workshop=workshop))


def acknowledge_expression(message: dict, *, uow, now: datetime, event_id: str) -> list[Email]:
    """To the contact delegates it names, and the demanding delegation's focal point."""
    session = uow.session
    recipients = {r.id: r for r in focal_points_of(session, message["demanding_delegation_id"])}
    for delegate_id in message["contact_delegate_ids"]:
        recipient = session.get(Recipient, delegate_id)
        if recipient is not None:
            recipients[recipient.id] = recipient
    names = _delegation_names(session, [message["demanding_delegation_id"],
                                        *message["supplying_delegation_ids"]])
    program = session.get(Program, message["program_id"]) if message["program_id"] else None
    subject = program.title if program else (message["topic"] or message["program_id"] or "")
    context = {"subject": subject.replace("_", " ") if not program else subject,
               "demanding": names[message["demanding_delegation_id"]],
               "supplying": [names[i] for i in message["supplying_delegation_ids"]],
               "description": message["description"]}
    return queued(domain.EXPRESSION_RECEIVED, queue_all(
        uow, sorted(recipients.values(), key=lambda r: r.id), now=now, event_id=event_id,
        kind=domain.EXPRESSION_RECEIVED, context=context,
        workshop=workshop_of(session, message["workshop_id"])))


def _delegation_names(session, ids) -> dict:
    """Names for delegations, from the latest schedule notify has seen."""
    names = {}
    for revision in session.scalars(sa.select(ScheduleRevision).order_by(ScheduleRevision.revision)):
        names.update(revision.delegations)
    return {i: names.get(i, i) for i in ids}
