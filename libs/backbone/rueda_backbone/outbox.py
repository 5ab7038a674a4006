"""Transactional outbox: write events with the state, publish them afterwards.

`UnitOfWork.publish` inserts outbox rows in the caller's transaction, so an
event exists if and only if the state change committed. `OutboxRelay` claims
due rows under a short lease (several relays may run side by side), publishes
each with publisher confirms and the mandatory flag, and marks it sent. A
crash after publishing but before marking sends the event again; consumers'
inboxes make that harmless. A message no queue is bound for is kept and tried
again with backoff: it is not lost because nobody listened yet.
"""
from __future__ import annotations

import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
import structlog
from kombu import Exchange
from nameko.amqp.publish import Publisher, UndeliverableMessage
from sqlalchemy.exc import IntegrityError

from . import metrics, tables
from .envelope import Envelope, Event

log = structlog.get_logger(__name__)

RETRY_BACKOFF_SECONDS = (1, 2, 5, 15, 60, 300)


class AlreadyProcessed(Exception):
    """This handler already applied this event; nothing more to do."""


def now() -> datetime:
    return datetime.now(timezone.utc)


class UnitOfWork:
    """One transaction of a service: its session, the events it publishes and,
    for an event handler, the inbox record that makes the effect happen once."""

    def __init__(self, session, *, producer: str, correlation_id: str,
                 origin: str = "internal"):
        self.session = session
        self.producer = producer
        self.correlation_id = correlation_id
        # who asked, for audit trails: "http:<client>@<address>",
        # "event:<producer>/<type>" or "job:<loop>"
        self.origin = origin
        self.envelopes: list[Envelope] = []

    def publish(self, *events: Event) -> list[Envelope]:
        """Add events to the outbox in this transaction."""
        wrapped = []
        for event in events:
            envelope = Envelope.wrap(event, producer=self.producer,
                                     correlation_id=self.correlation_id)
            created = now()
            self.session.execute(sa.insert(tables.outbox).values(
                event_id=envelope.event_id,
                event_type=envelope.event_type,
                schema_version=envelope.schema_version,
                body=envelope.to_json(),
                correlation_id=envelope.correlation_id,
                created_at=created,
                status=tables.OUTBOX_PENDING,
                attempts=0,
                next_attempt_at=created,
            ))
            wrapped.append(envelope)
        self.envelopes.extend(wrapped)
        return wrapped

    def mark_processed(self, handler: str, event_id: str) -> None:
        """Record the event in the inbox first, so a duplicate stops here."""
        try:
            with self.session.begin_nested():
                self.session.execute(sa.insert(tables.inbox).values(
                    handler=handler, event_id=event_id, processed_at=now()))
        except IntegrityError:
            raise AlreadyProcessed(f"{handler} already processed event {event_id}") from None


@dataclass
class RelayResult:
    published: int = 0
    failed: int = 0


class OutboxRelay:
    """Publishes a service's outbox rows to its `<service>.events` exchange."""

    def __init__(self, store, *, producer: str, amqp_uri: str, ssl=None,
                 batch_size: int = 100, lease_seconds: int = 30):
        self.store = store
        self.producer = producer
        self.exchange = Exchange(f"{producer}.events", type="topic", durable=True)
        self.batch_size = batch_size
        self.lease = timedelta(seconds=lease_seconds)
        self.relay_id = f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"
        self.publisher = Publisher(
            amqp_uri, use_confirms=True, mandatory=True, ssl=ssl,
            declare=[self.exchange],
            # the relay retries on its own schedule; fail fast inside a publish
            retry=True, retry_policy={"max_retries": 1, "interval_start": 0.5,
                                      "interval_step": 0.5, "interval_max": 1},
        )

    def relay_once(self) -> RelayResult:
        """Claim due rows, publish them in order, record the outcome."""
        rows = self._claim()
        result = RelayResult()
        outcomes: dict[int, str | None] = {}
        for row in rows:
            try:
                self.publisher.publish(
                    row.body,
                    exchange=self.exchange,
                    routing_key=row.event_type,
                    content_type="application/json",
                    content_encoding="utf-8",
                    message_id=row.event_id,
                    type=row.event_type,
                    app_id=self.producer,
                    correlation_id=row.correlation_id,
                    headers={"schema_version": row.schema_version},
                )
            except UndeliverableMessage:
                outcomes[row.id] = f"unroutable: no queue is bound for {row.event_type!r}"
            except Exception as exc:  # broker unreachable: stop here to keep order
                outcomes[row.id] = f"publish failed: {type(exc).__name__}: {exc}"
                log.warning("outbox.publish_failed", event_type=row.event_type,
                            event_id=row.event_id, error=str(exc))
                break
            else:
                outcomes[row.id] = None
        self._record(rows, outcomes)
        for row in rows:
            if row.id in outcomes:
                if outcomes[row.id] is None:
                    metrics.EVENTS_PUBLISHED.labels(service=self.producer,
                                                    event_type=row.event_type).inc()
                else:
                    metrics.PUBLISH_FAILURES.labels(service=self.producer).inc()
        result.published = sum(1 for error in outcomes.values() if error is None)
        result.failed = len(outcomes) - result.published
        return result

    def _claim(self):
        t = tables.outbox
        moment = now()
        with self.store.transaction() as session:
            due = (
                sa.select(t.c.id)
                .where(t.c.status == tables.OUTBOX_PENDING,
                       t.c.next_attempt_at <= moment,
                       sa.or_(t.c.claimed_until.is_(None), t.c.claimed_until < moment))
                .order_by(t.c.id)
                .limit(self.batch_size)
            )
            if not self.store.is_sqlite:
                due = due.with_for_update(skip_locked=True)
            ids = [row.id for row in session.execute(due)]
            if not ids:
                return []
            session.execute(sa.update(t).where(t.c.id.in_(ids)).values(
                claimed_by=self.relay_id, claimed_until=moment + self.lease))
            return list(session.execute(
                sa.select(t.c.id, t.c.event_id, t.c.event_type, t.c.schema_version,
                          t.c.body, t.c.correlation_id, t.c.attempts)
                .where(t.c.id.in_(ids)).order_by(t.c.id)))

    def _record(self, rows, outcomes) -> None:
        if not rows:
            return
        t = tables.outbox
        moment = now()
        with self.store.transaction() as session:
            for row in rows:
                mine = sa.and_(t.c.id == row.id, t.c.claimed_by == self.relay_id)
                if row.id not in outcomes:  # not tried: release the claim
                    session.execute(sa.update(t).where(mine).values(
                        claimed_by=None, claimed_until=None))
                elif outcomes[row.id] is None:
                    session.execute(sa.update(t).where(mine).values(
                        status=tables.OUTBOX_SENT, published_at=moment,
                        attempts=row.attempts + 1, claimed_by=None, claimed_until=None,
                        last_error=None))
                else:
                    delay = RETRY_BACKOFF_SECONDS[min(row.attempts, len(RETRY_BACKOFF_SECONDS) - 1)]
                    session.execute(sa.update(t).where(mine).values(
                        attempts=row.attempts + 1, last_error=outcomes[row.id],
                        next_attempt_at=moment + timedelta(seconds=delay),
                        claimed_by=None, claimed_until=None))

    def prune(self, older_than: timedelta) -> int:
        """Delete rows published longer ago than `older_than`."""
        t = tables.outbox
        with self.store.transaction() as session:
            return session.execute(sa.delete(t).where(
                t.c.status == tables.OUTBOX_SENT,
                t.c.published_at < now() - older_than)).rowcount


def prune_inbox(store, older_than: timedelta) -> int:
    """Forget processed event ids older than `older_than`. A duplicate only
    arrives within minutes of the original (a relay that died between publish
    and mark, a redelivery, a retry), so a retention of weeks keeps "nothing
    twice" while the table stops growing without bound."""
    t = tables.inbox
    with store.transaction() as session:
        return session.execute(sa.delete(t).where(t.c.processed_at < now() - older_than)).rowcount


def backlog(store) -> dict:
    """Pending outbox rows and the age of the oldest, for health and metrics."""
    t = tables.outbox
    with store.transaction() as session:
        count, oldest = session.execute(
            sa.select(sa.func.count(), sa.func.min(t.c.created_at))
            .where(t.c.status == tables.OUTBOX_PENDING)).one()
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=timezone.utc)
    age = (now() - oldest).total_seconds() if oldest else 0.0
    return {"pending": count, "oldest_age_seconds": age}
