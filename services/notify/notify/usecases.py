"""notify's use cases: keep the recipients directory, queue the emails events call for."""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from rueda_backbone.consuming import PermanentFailure

from . import domain, rendering
from .models import Email, Recipient


class RecipientsNotKnownYet(Exception):
    """The contacts event has not arrived yet; retrying later will find them."""


def _now() -> datetime:
    return datetime.now(timezone.utc)


def update_contacts(event: dict, *, uow) -> list[Recipient]:
    """Make the directory hold exactly the delegation's current contacts."""
    session = uow.session
    wanted = {c["delegate_id"]: c for c in event["contacts"]}
    existing = {r.id: r for r in session.scalars(
        sa.select(Recipient).where(Recipient.delegation_id == event["delegation_id"]))}
    for gone in set(existing) - set(wanted):
        session.delete(existing[gone])
    recipients = []
    for delegate_id, contact in wanted.items():
        recipient = existing.get(delegate_id) or Recipient(id=delegate_id)
        recipient.delegation_id = event["delegation_id"]
        recipient.name = contact["name"]
        recipient.email = contact["email"]
        recipient.language = contact["language"]
        recipient.is_focal_point = contact["is_focal_point"]
        session.add(recipient)
        recipients.append(recipient)
    return recipients


def queue_email(*, uow, event_id: str, recipient: Recipient, kind: str, context: dict,
                correlation_id: str) -> Email | None:
    """Write one email to the outbox unless this (event, recipient, kind) already has one."""
    key = domain.dedup_key(event_id, recipient.id, kind)
    if uow.session.scalar(sa.select(Email.id).where(Email.dedup_key == key)) is not None:
        return None
    try:
        text, html = rendering.render(kind, recipient.language, {"name": recipient.name, **context})
    except Exception as exc:  # a template that cannot render will not render on retry either
        raise PermanentFailure(f"cannot render {kind} in {recipient.language}: {exc}") from exc
    moment = _now()
    email = Email(
        id=domain.email_id(key), dedup_key=key, kind=kind, recipient_id=recipient.id,
        to_address=recipient.email, language=recipient.language,
        subject=domain.subject(kind, recipient.language), text_body=text, html_body=html,
        correlation_id=correlation_id, status=domain.PENDING, attempts=0,
        next_attempt_at=moment, created_at=moment,
    )
    uow.session.add(email)
    return email


def acknowledge_program(event: dict, *, uow, event_id: str) -> list[Email]:
    """A receipt for a submitted program profile, to the delegation's focal point."""
    recipients = list(uow.session.scalars(
        sa.select(Recipient).where(Recipient.delegation_id == event["delegation_id"])))
    if not recipients:
        raise RecipientsNotKnownYet(f"no contacts yet for delegation {event['delegation_id']}")
    context = {"title": event["title"], "version": event["version"],
               "program_id": event["program_id"],
               "submitted_at": event["submitted_at"].strftime("%Y-%m-%d %H:%M UTC")}
    emails = [queue_email(uow=uow, event_id=event_id, recipient=r, kind=domain.PROGRAM_RECEIVED,
                          context=context, correlation_id=uow.correlation_id)
              for r in domain.acknowledgement_recipients(recipients)]
    return [e for e in emails if e is not None]
