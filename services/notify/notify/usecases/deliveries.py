"""What notify keeps of the emails it wrote: the delivery log staff read, and
the erasure of a delegate, which keeps proof of sending without saying to
whom or what was said."""
from __future__ import annotations

import hashlib
from datetime import datetime

import sqlalchemy as sa
import structlog

from .. import domain
from ..models import AgendaLink, Attachment, Email, OptOut, Recipient

log = structlog.get_logger(__name__)

ERASED = "erased"
# what staff see of an email: never its address or bodies
LOGGED = (Email.id, Email.kind, Email.recipient_id, Email.language, Email.status, Email.attempts,
          Email.created_at, Email.sent_at, Email.last_error, Email.correlation_id,
          Email.possible_duplicate)


def list_deliveries(query: dict, *, uow, now: datetime) -> dict:
    """What was sent, is waiting or failed, newest first: for staff, without
    bodies or addresses. Filters: status, kind, recipient_id, correlation_id,
    since and until (on the time it was queued), limit."""
    select = sa.select(*LOGGED).order_by(Email.created_at.desc(), Email.id)
    for column in (Email.status, Email.kind, Email.recipient_id, Email.correlation_id):
        if query.get(column.key):
            select = select.where(column == query[column.key])
    if query.get("since"):
        select = select.where(Email.created_at >= query["since"])
    if query.get("until"):
        select = select.where(Email.created_at < query["until"])
    select = select.limit(query.get("limit", 100))
    return {"deliveries": [dict(row._mapping) for row in uow.session.execute(select)]}


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
    outcome = {"unsent_dropped": unsent, "scrubbed": len(emails) - unsent}
    log.info("recipient.erased", **outcome)
    return outcome
