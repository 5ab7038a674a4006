"""Writing emails to notify's outbox (the `email` table): once per (event,
recipient, kind), rendered in the recipient's language. The sender delivers
them later; nothing here touches the network."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import structlog

from rueda_backbone import metrics

from .. import domain, rendering
from ..models import Attachment, Email, Recipient, Workshop

log = structlog.get_logger(__name__)


_COLUMNS = (
    "id",
    "dedup_key",
    "kind",
    "recipient_id",
    "to_address",
    "language",
    "subject",
    "text_body",
    "html_body",
    "correlation_id",
    "status",
    "attempts",
    "last_error",
    "next_attempt_at",
    "created_at",
    "possible_duplicate",
)
# one statement that writes the email unless its key is there: a look-up,
# then the ORM's insert at the next flush, were two statements and most of
# a receipt's cost. Text, like the backbone's inbox insert: the dialects'
# on_conflict constructs are compiled anew on every execution
_QUEUE = sa.text(
    f"INSERT INTO {Email.__tablename__} ({', '.join(_COLUMNS)}) "
    f"VALUES ({', '.join(':' + c for c in _COLUMNS)}) "
    "ON CONFLICT (dedup_key) DO NOTHING RETURNING id"
).bindparams(
    *(
        sa.bindparam(name, type_=Email.__table__.c[name].type)
        for name in ("next_attempt_at", "created_at", "possible_duplicate")
    )
)


def queue_email(
    *,
    uow,
    now: datetime,
    event_id: str,
    recipient: Recipient,
    kind: str,
    context,
    correlation_id: str,
    workshop: Workshop | None = None,
    attachments=(),
) -> Email | None:
    """Write one email to the outbox unless this (event, recipient, kind) already has one.

    `context` is a dict, or a function of the language for values that must
    be translated before they reach the template."""
    key = domain.dedup_key(event_id, recipient.id, kind)
    language = domain.choose_language(recipient.language, workshop.languages if workshop else ())
    values = context(language) if callable(context) else context
    status, error = domain.PENDING, None
    try:
        text, html = rendering.render(kind, language, {"name": recipient.name, **values})
    except Exception as exc:  # noqa: BLE001 - it will not render on a retry either
        # this email alone fails, with its reason in the delivery log; the
        # event's other emails are written and sent
        text, html = "", ""
        status, error = (
            domain.FAILED,
            f"cannot render {kind} in {language}: {type(exc).__name__}: {exc}"[:1000],
        )
        metrics.EMAILS.labels(service="notify", outcome="failed").inc()
        log.error(
            "email.unrenderable",
            kind=kind,
            language=language,
            reason=error,
            correlation_id=correlation_id,
        )
    values = {
        "id": domain.email_id(key),
        "dedup_key": key,
        "kind": kind,
        "recipient_id": recipient.id,
        "to_address": recipient.email,
        "language": language,
        "subject": rendering.subject(kind, language),
        "text_body": text,
        "html_body": html,
        "correlation_id": correlation_id,
        "status": status,
        "attempts": 0,
        "last_error": error,
        "next_attempt_at": now,
        "created_at": now,
        "possible_duplicate": False,
    }
    if uow.session.execute(_QUEUE, values).first() is None:
        return None  # this (event, recipient, kind) has its email already
    # the row is written; the caller gets it as an object it may read
    email = Email(**values)
    for filename, content_type, content, content_id in attachments:
        uow.session.add(
            Attachment(
                email_id=email.id,
                filename=filename,
                content_type=content_type,
                content=content,
                content_id=content_id,
            )
        )
    return email


def queue_all(
    uow,
    recipients,
    *,
    now: datetime,
    event_id: str,
    kind: str,
    context,
    workshop: Workshop | None = None,
    attachments=(),
) -> list[Email]:
    """`queue_email` for each recipient, under the unit of work's correlation id."""
    emails = [
        queue_email(
            uow=uow,
            now=now,
            event_id=event_id,
            recipient=r,
            kind=kind,
            context=context,
            correlation_id=uow.correlation_id,
            workshop=workshop,
            attachments=attachments,
        )
        for r in recipients
    ]
    return [e for e in emails if e is not None]


def queued(kind: str, emails: list[Email], **fields) -> list[Email]:
    """Log how many emails of a kind a use case queued (never to whom)."""
    log.info("email.queued", kind=kind, count=len(emails), **fields)
    return emails


def format_deadline(
    instant: datetime | None, workshop: Workshop | None, language: str
) -> str | None:
    """A deadline as the reader writes dates and times, in the workshop's time
    zone (UTC when notify has no workshop)."""
    if instant is None:
        return None
    return rendering.when(instant, workshop.time_zone if workshop else None, language)
