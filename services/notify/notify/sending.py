"""The email sender: claims due emails from notify's outbox, delivers them,
records the outcome. Temporary failures wait with exponential backoff,
permanent ones are parked as `failed` with the reason, for staff to query."""
from __future__ import annotations

import socket
import uuid
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
import structlog
from rueda_backbone import metrics

from . import domain, mail
from .models import Attachment, Email

log = structlog.get_logger(__name__)

LEASE = timedelta(minutes=5)


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Sender:
    def __init__(self, store, settings: mail.SmtpSettings, retry_delays=(10, 60, 300, 1800, 7200),
                 batch_size: int = 50, connect=mail.Connection, reuse_connection: bool = True):
        self.store = store
        self.settings = settings
        self.retry_delays = tuple(float(d) for d in retry_delays)
        self.batch_size = batch_size
        self.connect = connect
        # False opens one SMTP session per email, as notify did at first; kept
        # for the benchmark that compares the two
        self.reuse_connection = reuse_connection
        self.sender_id = f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"

    def send_due(self) -> int:
        """Deliver one batch of due emails over one SMTP session; returns how many were tried."""
        emails = self._claim()
        if not emails:
            return 0
        attachments = self._attachments([e.id for e in emails])
        connection = self.connect(self.settings)
        try:
            for email in emails:
                self._send_one(connection, email, attachments.get(email.id, []))
                if not self.reuse_connection:
                    connection.close()
        finally:
            connection.close()
        return len(emails)

    def _send_one(self, connection, email: Email, attachments) -> None:
        try:
            connection.send(mail.build_message(
                settings=self.settings, email_id=email.id, to_address=email.to_address,
                subject=email.subject, text_body=email.text_body, html_body=email.html_body,
                correlation_id=email.correlation_id, created_at=email.created_at,
                attachments=attachments, kind=email.kind, language=email.language))
        except mail.PermanentFailure as exc:
            self._record(email, status=domain.FAILED, error=str(exc))
            metrics.EMAILS.labels(service="notify", outcome="failed").inc()
            log.error("email.failed", email_id=email.id, kind=email.kind, reason=str(exc),
                      correlation_id=email.correlation_id)
        except mail.TemporaryFailure as exc:
            self._retry_later(email, str(exc))
        else:
            self._record(email, status=domain.SENT)
            metrics.EMAILS.labels(service="notify", outcome="sent").inc()
            log.info("email.sent", email_id=email.id, kind=email.kind,
                     correlation_id=email.correlation_id)

    def _attachments(self, email_ids: list[str]) -> dict[str, list]:
        out: dict[str, list] = {}
        with self.store.transaction() as session:
            for row in session.scalars(sa.select(Attachment).where(
                    Attachment.email_id.in_(email_ids)).order_by(Attachment.id)):
                out.setdefault(row.email_id, []).append(
                    (row.filename, row.content_type, bytes(row.content), row.content_id))
        return out

    def _claim(self) -> list[Email]:
        moment = _now()
        with self.store.transaction() as session:
            query = (sa.select(Email).where(
                Email.status == domain.PENDING, Email.next_attempt_at <= moment,
                sa.or_(Email.claimed_until.is_(None), Email.claimed_until < moment))
                .order_by(Email.created_at).limit(self.batch_size))
            if not self.store.is_sqlite:
                query = query.with_for_update(skip_locked=True)
            emails = list(session.scalars(query))
            for email in emails:
                email.claimed_until = moment + LEASE
            return emails

    def _record(self, email: Email, *, status: str, error: str | None = None) -> None:
        with self.store.transaction() as session:
            session.execute(sa.update(Email).where(Email.id == email.id).values(
                status=status, attempts=email.attempts + 1, claimed_until=None,
                sent_at=_now() if status == domain.SENT else None, last_error=error))

    def _retry_later(self, email: Email, error: str) -> None:
        attempt = email.attempts + 1
        if attempt > len(self.retry_delays):
            self._record(email, status=domain.FAILED, error=f"gave up after {attempt} attempts: {error}")
            metrics.EMAILS.labels(service="notify", outcome="failed").inc()
            log.error("email.failed", email_id=email.id, kind=email.kind, reason=error)
            return
        delay = self.retry_delays[attempt - 1]
        with self.store.transaction() as session:
            session.execute(sa.update(Email).where(Email.id == email.id).values(
                attempts=attempt, claimed_until=None, last_error=error,
                next_attempt_at=_now() + timedelta(seconds=delay)))
        log.warning("email.retry_scheduled", email_id=email.id, attempt=attempt,
                    delay_seconds=delay, error=error)


def delivery_log(store, *, status: str | None = None, kind: str | None = None,
                 recipient_id: str | None = None, correlation_id: str | None = None,
                 since: datetime | None = None, until: datetime | None = None,
                 limit: int = 100) -> list[dict]:
    """What was sent, is waiting or failed: for staff, without bodies or addresses."""
    query = sa.select(Email.id, Email.kind, Email.recipient_id, Email.language, Email.status,
                      Email.attempts, Email.created_at, Email.sent_at, Email.last_error,
                      Email.correlation_id).order_by(Email.created_at.desc(), Email.id).limit(limit)
    for column, value in ((Email.status, status), (Email.kind, kind),
                          (Email.recipient_id, recipient_id),
                          (Email.correlation_id, correlation_id)):
        if value:
            query = query.where(column == value)
    if since:
        query = query.where(Email.created_at >= since)
    if until:
        query = query.where(Email.created_at < until)
    with store.transaction() as session:
        return [dict(row._mapping) for row in session.execute(query)]
