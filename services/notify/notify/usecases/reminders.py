"""Reminders the secretariat asks intake to send (submission_reminder_requested):
every delegate of the delegation is told, in their language, which forms it
has not submitted and until when it can."""

from __future__ import annotations

from datetime import datetime

from .. import domain
from ..exceptions import NotKnownYet
from ..models import Delegation, Email
from .directory import delegates_of, delegation_label, workshop_of
from .emails import format_deadline, queue_all, queued


def remind_submission(message: dict, *, uow, now: datetime, event_id: str) -> list[Email]:
    """One email per delegate of the delegation (keyed by the event and the
    recipient, so a redelivered event sends nothing twice); a withdrawn
    delegation is not reminded."""
    session = uow.session
    delegation = session.get(Delegation, message["delegation_id"])
    if delegation is not None and delegation.withdrawn:
        return queued(domain.SUBMISSION_REMINDER, [], withdrawn=True)
    recipients = delegates_of(session, message["delegation_id"])
    if not recipients:
        raise NotKnownYet(f"no contacts yet for delegation {message['delegation_id']}")
    workshop = workshop_of(session, message["workshop_id"])

    def context(language):
        return {
            "workshop": workshop.title if workshop else None,
            "delegation": delegation_label(delegation),
            "missing": [
                {"form": m["form"], "deadline": format_deadline(m["deadline"], workshop, language)}
                for m in message["missing"]
            ],
        }

    return queued(
        domain.SUBMISSION_REMINDER,
        queue_all(
            uow,
            recipients,
            now=now,
            event_id=event_id,
            kind=domain.SUBMISSION_REMINDER,
            context=context,
            workshop=workshop,
        ),
    )
