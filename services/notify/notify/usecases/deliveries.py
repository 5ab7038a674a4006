"""What notify keeps of the emails it wrote: the delivery log staff read, and
the erasure of a delegate, which keeps proof of sending without saying to
whom or what was said."""

from __future__ import annotations

import hashlib
from datetime import datetime

import sqlalchemy as sa
import structlog

from rueda_backbone.errors import Conflict, NotFound

from .. import domain
from ..models import AgendaLink, Attachment, Email, OptOut, Recipient

log = structlog.get_logger(__name__)

ERASED = "erased"
# what staff see of an email: never its bodies; its address masked unless
# the caller may see addresses (`show_addresses`)
LOGGED = (
    Email.id,
    Email.kind,
    Email.recipient_id,
    Email.language,
    Email.status,
    Email.attempts,
    Email.created_at,
    Email.sent_at,
    Email.last_error,
    Email.correlation_id,
    Email.possible_duplicate,
    Email.to_address,
    Email.resent_at,
    Email.note,
)


def list_deliveries(query: dict, *, uow, now: datetime) -> dict:
    """What was sent, is waiting or failed, newest first: for staff, without
    bodies. Filters: status, kind, recipient_id, correlation_id, since and
    until (on the time it was queued), limit. Each address is masked
    (a***@example.org) unless `show_addresses` (the caller holds the scope)."""
    select = sa.select(*LOGGED).order_by(Email.created_at.desc(), Email.id)
    for column in (Email.status, Email.kind, Email.recipient_id, Email.correlation_id):
        if query.get(column.key):
            select = select.where(column == query[column.key])
    if query.get("since"):
        select = select.where(Email.created_at >= query["since"])
    if query.get("until"):
        select = select.where(Email.created_at < query["until"])
    select = select.limit(query.get("limit", 100))
    show = bool(query.get("show_addresses"))
    deliveries = []
    for row in uow.session.execute(select):
        item = dict(row._mapping)
        address = item.pop("to_address") or ""
        item["address"] = (address if show else domain.masked_address(address)) or None
        deliveries.append(item)
    return {"deliveries": deliveries}


def resend_delivery(command: dict, *, uow, now: datetime) -> dict:
    """Send a failed email again (after a 550, a refused address, a mailbox
    fixed since), with the SAME Message-ID, so a recipient who got it after
    all sees one message; to the recipient's current address when the
    directory has a newer one. The delivery log keeps a note of it."""
    session = uow.session
    email = (
        session.get(Email, command["email_id"], with_for_update=True)
        if domain.plausible_id(command["email_id"])
        else None
    )
    if email is None:
        raise NotFound(f"no email {command['email_id']}")
    if email.status != domain.FAILED:
        raise Conflict(f"email {email.id} is {email.status}: only a failed email is resent")
    if email.recipient_id == ERASED:
        raise Conflict(f"email {email.id} was erased with its recipient: nothing to resend")
    if not email.text_body:
        raise Conflict(
            f"email {email.id} never rendered ({email.last_error}): fix the "
            "template and replay its event instead"
        )
    recipient = session.get(Recipient, email.recipient_id)
    changed_address = recipient is not None and recipient.email != email.to_address
    if changed_address:
        email.to_address = recipient.email
    why = f": {command['note']}" if command.get("note") else ""
    note = (
        f"resent by {command.get('by') or 'staff'} at {now.isoformat()}{why}"
        f"{' (to the current address)' if changed_address else ''}; "
        f"it had failed: {email.last_error}"
    )
    email.note = "\n".join(filter(None, (email.note, note)))[-4000:]
    email.status = domain.PENDING
    email.attempts = 0
    email.next_attempt_at = now
    email.claimed_until = email.claimed_by = email.handoff_at = None
    email.last_error = None
    email.resent_at = now
    log.info(
        "email.resend_requested",
        email_id=email.id,
        kind=email.kind,
        by=command.get("by"),
        correlation_id=email.correlation_id,
    )
    return {"id": email.id, "status": email.status, "resent_at": now, "note": email.note}


def erase_delegate(message: dict, *, uow, now: datetime) -> dict:
    """Remove a delegate from notify: the directory, their opt-outs, the
    address of their agenda page and feed, emails not sent yet, and the
    addresses and bodies of emails already sent. What stays
    (a hashed dedup key, kind, status, dates) proves an email went out once
    without saying to whom or what it said."""
    session = uow.session
    person = message["delegate_id"]
    session.execute(sa.delete(OptOut).where(OptOut.recipient_id == person))
    # revokes their agenda page and calendar feed: both answer 404 from now on
    session.execute(sa.delete(AgendaLink).where(AgendaLink.recipient_id == person))
    session.execute(sa.delete(Recipient).where(Recipient.id == person))
    emails = list(session.scalars(sa.select(Email).where(Email.recipient_id == person)))
    ids = [e.id for e in emails]
    if ids:
        session.execute(sa.delete(Attachment).where(Attachment.email_id.in_(ids)))
    unsent = 0
    for email in emails:
        if email.status == domain.PENDING:
            session.delete(email)
            unsent += 1
            continue
        email.dedup_key = f"{ERASED}:" + hashlib.sha256(email.dedup_key.encode()).hexdigest()
        email.recipient_id = ERASED
        email.to_address = ""
        email.text_body = ""
        email.html_body = ""
        email.last_error = None if email.last_error is None else "(erased)"
        email.note = None if email.note is None else "(erased)"
    outcome = {"unsent_dropped": unsent, "scrubbed": len(emails) - unsent}
    log.info("recipient.erased", **outcome)
    return outcome
