"""Transactional outbox: write events with the state, publish them afterwards.

`UnitOfWork.publish` inserts outbox rows in the caller's transaction, so an
event exists if and only if the state change committed. `OutboxRelay` claims
due rows under a lease of seconds (several relays may run side by side),
publishes them as one batch with pipelined publisher confirms and the
mandatory flag, and marks the confirmed ones sent. A
crash after publishing but before marking sends the event again; consumers'
inboxes make that harmless. A message no queue is bound for is kept and tried
again with backoff: it is not lost because nobody listened yet. A row that
can never be published as it is (it cannot be encoded, it is larger than the
broker takes, the broker closes the channel on it again and again) is set
aside as "failed" with its reason, and the rows after it go on.
"""

from __future__ import annotations

import socket
import struct
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import structlog
from amqp.exceptions import ChannelError
from kombu import Connection, Exchange
from sqlalchemy.exc import IntegrityError

from . import metrics, tables
from .database import claim_due
from .envelope import Envelope, Event

log = structlog.get_logger(__name__)

RETRY_BACKOFF_SECONDS = (1, 2, 5, 15, 60, 300)


class AlreadyProcessed(Exception):
    """This handler already applied this event; nothing more to do."""


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class StaffActor:
    """A staff member a client with `<service>:act-for-staff` acts for
    (`X-Rueda-Staff-Id`, `X-Rueda-Staff-Name`)."""

    staff_id: str
    name: str

    def __str__(self) -> str:
        return f"staff:{self.staff_id} ({self.name})"


class UnitOfWork:
    """One transaction of a service: its session, the events it publishes and,
    for an event handler, the inbox record that makes the effect happen once."""

    def __init__(
        self,
        session,
        *,
        producer: str,
        correlation_id: str,
        origin: str = "internal",
        actor: StaffActor | None = None,
    ):
        self.session = session
        self.producer = producer
        self.correlation_id = correlation_id
        # who asked, for audit trails: "http:<client>@<address>",
        # "event:<producer>/<type>" or "job:<loop>"
        self.origin = origin
        # the signed-in person a trusted client (the console) acts for, if any
        self.actor = actor
        self.envelopes: list[Envelope] = []

    @property
    def who(self) -> str:
        """Who did it, for an audit record: the staff member a trusted client
        acts for ("staff:<id> (<name>)"), else the origin."""
        return str(self.actor) if self.actor is not None else self.origin

    @property
    def origin_with_actor(self) -> str:
        """`http:<client>@<address> for staff:<id> (<name>)`, or the origin alone."""
        return f"{self.origin} for {self.actor}" if self.actor is not None else self.origin

    def publish(self, *events: Event) -> list[Envelope]:
        """Add events to the outbox in this transaction."""
        wrapped = []
        for event in events:
            envelope = Envelope.wrap(
                event, producer=self.producer, correlation_id=self.correlation_id
            )
            created = now()
            self.session.execute(
                _OUTBOX_INSERT,
                {
                    "event_id": envelope.event_id,
                    "event_type": envelope.event_type,
                    "schema_version": envelope.schema_version,
                    "body": envelope.to_json(),
                    "correlation_id": envelope.correlation_id,
                    "created_at": created,
                    "status": tables.OUTBOX_PENDING,
                    "attempts": 0,
                    "next_attempt_at": created,
                },
            )
            wrapped.append(envelope)
        self.envelopes.extend(wrapped)
        return wrapped

    def mark_processed(self, handler: str, event_id: str) -> None:
        """Record the event in the inbox first, so a duplicate stops here.

        On SQLite and PostgreSQL one `INSERT ... ON CONFLICT DO NOTHING`: a
        duplicate inserts no row (a concurrent first copy is waited for, as
        the plain insert would be), without the SAVEPOINT and its release that
        catching the failed insert needs, two statements per event."""
        values = {"handler": handler, "event_id": event_id, "processed_at": now()}
        if self.session.get_bind().dialect.name in ("sqlite", "postgresql"):
            inserted = self.session.execute(_INBOX_INSERT_IGNORING, values).rowcount
            if inserted != 1:
                raise AlreadyProcessed(f"{handler} already processed event {event_id}")
            return
        try:
            with self.session.begin_nested():
                self.session.execute(sa.insert(tables.inbox).values(**values))
        except IntegrityError:
            raise AlreadyProcessed(f"{handler} already processed event {event_id}") from None


def record_in_inbox(session, handler: str, event_ids: list[str]) -> set[str] | None:
    """Record a batch's events in the inbox with one statement; the ids that
    were new (a duplicate, also one repeated within the batch, inserts
    nothing). None where the database cannot say which rows it inserted:
    the caller records each event with `UnitOfWork.mark_processed` instead."""
    if session.get_bind().dialect.name not in ("sqlite", "postgresql"):
        return None
    rows = ", ".join(f"(:handler, :e{n}, :processed_at)" for n in range(len(event_ids)))
    statement = sa.text(
        f"INSERT INTO {tables.inbox.name} (handler, event_id, processed_at) VALUES {rows} "
        "ON CONFLICT DO NOTHING RETURNING event_id"
    ).bindparams(sa.bindparam("processed_at", type_=tables.inbox.c.processed_at.type))
    values = {f"e{n}": event_id for n, event_id in enumerate(event_ids)}
    return set(
        session.execute(statement, {"handler": handler, "processed_at": now(), **values}).scalars()
    )


# the same text on both (SQLite >= 3.24); written out because SQLAlchemy
# compiles its dialects' `on_conflict_do_nothing()` anew on every execution
# built once, its values given as parameters: building the statement with
# its values and its cache key on every publish cost more than running it
_OUTBOX_INSERT = sa.insert(tables.outbox)

_INBOX_INSERT_IGNORING = sa.text(
    f"INSERT INTO {tables.inbox.name} (handler, event_id, processed_at) "
    "VALUES (:handler, :event_id, :processed_at) ON CONFLICT DO NOTHING"
).bindparams(sa.bindparam("processed_at", type_=tables.inbox.c.processed_at.type))


@dataclass
class RelayResult:
    published: int = 0
    failed: int = 0  # refused by the broker (unroutable, nacked): retried with backoff
    unreachable: int = 0  # not sent for want of a broker: released, tried on the next pass
    set_aside: int = 0  # can never be sent as it is: status "failed", for ops


@dataclass
class Outgoing:
    """One message for `ConfirmingPublisher.publish_batch`."""

    body: bytes
    routing_key: str
    message_id: str
    properties: dict


NOT_TRIED = object()  # the batch stopped before this message was written
# a connection-level failure, not the message's fault
UNREACHABLE = "broker unreachable: "
# after a failed connect, fail fast for this long instead of trying again
RECONNECT_PAUSE_SECONDS = 0.5
# the message's own fault, known before anything was written (it cannot be
# built or encoded, or it is larger than the broker takes): never sendable
UNSENDABLE = "cannot be published: "
# the broker closed the channel while this message was unconfirmed (e.g.
# RabbitMQ's 406 for a message over `max_message_size`); alone in its batch,
# the message is the reason
REFUSED = "refused by the broker: "
# what building or encoding one message raises (py-amqp packs a frame fully
# before writing it, so the connection is intact): the message's fault
_ENCODING_ERRORS = (struct.error, ValueError, TypeError, UnicodeError, OverflowError)
# RabbitMQ's default `max_message_size` since 3.13 (earlier: 128 MiB)
DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024
# a row the broker refused this many times on its own is set aside
DEFAULT_MAX_ATTEMPTS = 5


class ConfirmingPublisher:
    """Publishes batches with publisher confirms, pipelined: every message of
    a batch is written, then the broker's acks are awaited together (one
    round trip per batch instead of one per message), on one connection kept
    between batches.

    `publish_batch` answers, per message, None (acked and routed), an error
    text (returned as unroutable under the mandatory flag, nacked, or not
    confirmed before the connection broke) or NOT_TRIED. RabbitMQ sends a
    mandatory message's basic.return before its basic.ack, so a message
    counts as published only when its ack came and no return did.
    """

    def __init__(
        self,
        amqp_uri: str,
        *,
        exchange: Exchange,
        ssl=None,
        confirm_timeout: float = 10.0,
        connect_timeout: float = 5.0,
    ):
        self.amqp_uri = amqp_uri
        self.exchange = exchange
        self.ssl = ssl
        self.confirm_timeout = confirm_timeout
        self.connect_timeout = connect_timeout
        self._connection = None
        self._channel = None
        self._down_until = 0.0
        self._down_error = ""
        self._next_tag = 1
        self._settled: dict[int, str | None] = {}
        self._returned: dict[str, str] = {}

    # -- connection ------------------------------------------------------------

    def _ensure(self):
        if self._channel is not None and self._connection.connected:
            return self._channel
        self.close()
        connection = Connection(self.amqp_uri, ssl=self.ssl, connect_timeout=self.connect_timeout)
        try:
            # one quick retry, not kombu's 2-second sleep: the relay has its own
            # schedule, and is woken by every commit while the broker is away
            connection.ensure_connection(
                max_retries=1, interval_start=0.1, interval_step=0.1, interval_max=0.1
            )
            channel = connection.channel()
            self.exchange.bind(channel).declare()
            channel.confirm_select()
        except BaseException:
            connection.release()
            raise
        channel.events["basic_ack"].add(self._on_ack)
        channel.events["basic_nack"].add(self._on_nack)
        channel.events["basic_return"].add(self._on_return)
        self._connection, self._channel, self._next_tag = connection, channel, 1
        return channel

    def close(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None:
            try:
                connection.release()
            except Exception:  # noqa: BLE001 - already broken
                pass

    # -- broker callbacks ----------------------------------------------------------

    def _settle(self, delivery_tag: int, multiple: bool, outcome: str | None) -> None:
        if multiple:
            for tag in [t for t in self._waiting if t <= delivery_tag]:
                self._settled[tag] = outcome
                self._waiting.discard(tag)
        else:
            self._settled[delivery_tag] = outcome
            self._waiting.discard(delivery_tag)

    def _on_ack(self, delivery_tag, multiple):
        self._settle(delivery_tag, multiple, None)

    def _on_nack(self, delivery_tag, multiple):
        self._settle(delivery_tag, multiple, "nacked by the broker")

    def _on_return(self, exc, exchange, routing_key, message):
        message_id = (message.properties or {}).get("message_id")
        if message_id is not None:
            self._returned[message_id] = (
                f"unroutable: no queue is bound for {routing_key!r} on {exchange!r}"
            )

    # -- publishing ------------------------------------------------------------------

    def publish_batch(self, messages: list[Outgoing], *, while_waiting=None) -> list:
        """Publish `messages` in order and wait for all their confirms.

        `while_waiting` is called about every second while confirms are
        outstanding (the relay renews its lease there)."""
        if not messages:
            return []
        outcomes: list = [NOT_TRIED] * len(messages)
        if time.monotonic() < self._down_until:  # it was not there a moment ago
            return [self._down_error] + [NOT_TRIED] * (len(messages) - 1)
        try:
            channel = self._ensure()
        except Exception as exc:  # broker unreachable: nothing was written
            self._down_error = f"{UNREACHABLE}{type(exc).__name__}: {exc}"
            self._down_until = time.monotonic() + RECONNECT_PAUSE_SECONDS
            return [self._down_error] + [NOT_TRIED] * (len(messages) - 1)
        self._settled, self._returned, self._waiting = {}, {}, set()
        tags: list[int | None] = [None] * len(messages)
        unsendable: dict[int, str] = {}
        error = None
        for index, item in enumerate(messages):
            try:
                message = channel.prepare_message(
                    item.body,
                    content_type=item.properties.get("content_type"),
                    content_encoding=item.properties.get("content_encoding"),
                    headers=item.properties.get("headers"),
                    properties={
                        key: value
                        for key, value in item.properties.items()
                        if key not in ("content_type", "content_encoding", "headers")
                    }
                    | {"delivery_mode": 2, "message_id": item.message_id},
                )
                channel.basic_publish(
                    message,
                    exchange=self.exchange.name,
                    routing_key=item.routing_key,
                    mandatory=True,
                )
            except _ENCODING_ERRORS as exc:  # this message only: nothing was written
                unsendable[index] = f"{UNSENDABLE}{type(exc).__name__}: {exc}"
                continue
            except ChannelError as exc:  # the broker closed the channel on an earlier one
                error = f"{REFUSED}{exc}"
                break
            except Exception as exc:  # noqa: BLE001 - the connection broke
                error = f"{UNREACHABLE}{type(exc).__name__}: {exc}"
                break
            tags[index] = self._next_tag
            self._waiting.add(self._next_tag)
            self._next_tag += 1
        deadline = time.monotonic() + self.confirm_timeout
        last_call = time.monotonic()
        while self._waiting and error is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                error = f"{UNREACHABLE}no confirm within {self.confirm_timeout}s"
                break
            try:
                self._connection.drain_events(timeout=min(remaining, 1.0))
            except TimeoutError:
                pass
            except ChannelError as exc:  # closed on one of the unconfirmed messages
                error = f"{REFUSED}{exc}"
                break
            except Exception as exc:  # noqa: BLE001 - connection or channel closed
                error = f"{UNREACHABLE}{type(exc).__name__}: {exc}"
                break
            if while_waiting is not None and time.monotonic() - last_call >= 1.0:
                last_call = time.monotonic()
                while_waiting()
        if error is not None:
            self.close()
        first_unwritten = next(
            (i for i, tag in enumerate(tags) if tag is None and i not in unsendable), None
        )
        for index, (item, tag) in enumerate(zip(messages, tags, strict=True)):
            if index in unsendable:
                outcomes[index] = unsendable[index]
                continue
            if tag is None:
                # the first message not written carries the reason the batch stopped
                if index == first_unwritten and error is not None:
                    outcomes[index] = error
                continue
            if tag in self._settled:
                outcome = self._settled[tag]
                outcomes[index] = self._returned.get(item.message_id, outcome)
            else:  # written but never confirmed: it may or may not be in a queue
                outcomes[index] = error or f"{UNREACHABLE}not confirmed"
        return outcomes


def _refused(answer) -> bool:
    return isinstance(answer, str) and answer.startswith(REFUSED)


class OutboxRelay:
    """Publishes a service's outbox rows to its `<service>.events` exchange.

    Rows are claimed under a short lease (`lease_seconds`), renewed while
    their confirms are outstanding, so a relay that dies lets its rows go to
    another relay (or to itself, restarted) within seconds. A claimed batch
    is published in id order with pipelined confirms; a row the broker
    refuses (unroutable, nacked) stays pending and is tried again with
    backoff without holding back the rest, as an unroutable row always did.
    A broker that cannot be reached (or a connection that breaks, or confirms
    that do not come) is not the rows' fault: they are released as they were,
    without a backoff of their own, and go on the next pass in their order,
    so they leave within a poll of the broker's return.

    A poison row never holds back the others: one that cannot be built or
    encoded, or is larger than `max_message_bytes`, is set aside at once
    (status "failed", `last_error` saying why; `rueda-ops outbox status`
    lists it and `outbox retry` puts it back). When the broker closes the
    channel on a batch, the rows it left unconfirmed are sent again one at a
    time in the same pass, so the one it refuses is known; that row waits
    its backoff, and after `max_attempts` refusals it is set aside too."""

    def __init__(
        self,
        store,
        *,
        producer: str,
        amqp_uri: str,
        ssl=None,
        batch_size: int = 200,
        lease_seconds: float = 5,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    ):
        self.store = store
        self.max_message_bytes = max_message_bytes
        self.max_attempts = max(1, max_attempts)
        self.producer = producer
        self.exchange = Exchange(f"{producer}.events", type="topic", durable=True)
        self.batch_size = batch_size
        self.lease = timedelta(seconds=lease_seconds)
        self.relay_id = f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"
        self.publisher = ConfirmingPublisher(amqp_uri, exchange=self.exchange, ssl=ssl)
        self._quiet_until = 0.0
        self._set_aside: list = []

    def relay_once(self) -> RelayResult:
        """Claim due rows, publish them in order, record the outcome."""
        rows = self._claim()
        result = RelayResult()
        if not rows:
            return result
        renewed_at = [time.monotonic()]

        def renew():
            if time.monotonic() - renewed_at[0] >= self.lease.total_seconds() / 3:
                renewed_at[0] = time.monotonic()
                self._renew([row.id for row in rows])

        answers = self._publish(rows, renew)
        if len(rows) > 1 and any(_refused(answer) for answer in answers):
            self._find_the_refused(rows, answers, renew)
        outcomes: dict[int, str | None] = {
            row.id: answer
            for row, answer in zip(rows, answers, strict=True)
            if answer is not NOT_TRIED
        }
        unreachable = {
            row_id: error
            for row_id, error in outcomes.items()
            if error is not None and error.startswith(UNREACHABLE)
        }
        for row_id in unreachable:
            del outcomes[row_id]
        if unreachable:
            metrics.PUBLISH_FAILURES.labels(service=self.producer).inc(len(unreachable))
            if time.monotonic() >= self._quiet_until:  # one line every few seconds
                self._quiet_until = time.monotonic() + 5.0
                log.warning(
                    "outbox.broker_unreachable",
                    rows=len(unreachable),
                    error=next(iter(unreachable.values())),
                )
        self._record(rows, outcomes, unreachable)
        for row in rows:
            if row.id in outcomes:
                if outcomes[row.id] is None:
                    metrics.EVENTS_PUBLISHED.labels(
                        service=self.producer, event_type=row.event_type
                    ).inc()
                else:
                    metrics.PUBLISH_FAILURES.labels(service=self.producer).inc()
        result.published = sum(1 for error in outcomes.values() if error is None)
        result.set_aside = len(self._set_aside)
        result.failed = len(outcomes) - result.published - result.set_aside
        result.unreachable = len(unreachable)
        return result

    def _find_the_refused(self, rows, answers: list, renew) -> None:
        """The broker closed the channel on one of the rows it left
        unconfirmed: those, and the ones not written after them, go again in
        order, one at a time until one is refused alone (that one is the
        reason), then the rest as a batch. Still claimed, in the same pass."""
        again = [i for i, answer in enumerate(answers) if answer is NOT_TRIED or _refused(answer)]
        for index in again:
            answers[index] = NOT_TRIED
        for position, index in enumerate(again):
            renew()
            answer = self._publish([rows[index]], renew)[0]
            answers[index] = answer
            if isinstance(answer, str) and answer.startswith(UNREACHABLE):
                return  # the rest stay untried: released for the next pass
            if _refused(answer):
                rest = again[position + 1 :]
                for later, later_answer in zip(
                    rest, self._publish([rows[i] for i in rest], renew), strict=True
                ):
                    # refused again: not known which, they go on the next pass
                    answers[later] = NOT_TRIED if _refused(later_answer) else later_answer
                return

    def _publish(self, rows, renew) -> list:
        """Each row as a message (one that cannot be built is answered
        UNSENDABLE and not written), published as one batch."""
        answers: list = [None] * len(rows)
        messages, positions = [], []
        for index, row in enumerate(rows):
            try:
                body = row.body
                if not isinstance(body, bytes | bytearray | memoryview):
                    raise TypeError(f"the body is {type(body).__name__}, not bytes")
                body = bytes(body)
                if len(body) > self.max_message_bytes:
                    raise ValueError(
                        f"the message is {len(body)} bytes, over the broker's "
                        f"{self.max_message_bytes} (OUTBOX_MAX_MESSAGE_BYTES)"
                    )
                outgoing = self._outgoing(row, body)
            except Exception as exc:  # noqa: BLE001 - this row only
                answers[index] = f"{UNSENDABLE}{type(exc).__name__}: {exc}"
                continue
            messages.append(outgoing)
            positions.append(index)
        for index, answer in zip(
            positions, self.publisher.publish_batch(messages, while_waiting=renew), strict=True
        ):
            answers[index] = answer
        return answers

    def _outgoing(self, row, body: bytes) -> Outgoing:
        return Outgoing(
            body=body,
            routing_key=str(row.event_type),
            message_id=str(row.event_id),
            properties={
                "content_type": "application/json",
                "content_encoding": "utf-8",
                "type": str(row.event_type),
                "app_id": self.producer,
                "correlation_id": row.correlation_id,
                "headers": {"schema_version": int(row.schema_version)},
            },
        )

    def _claim(self):
        """Claim up to `batch_size` due rows in id order: one UPDATE that
        picks them (skipping rows another relay has locked, on PostgreSQL)
        and returns them."""
        t = tables.outbox
        moment = now()
        claim = claim_due(
            self.store,
            t,
            pending=tables.OUTBOX_PENDING,
            moment=moment,
            holder=self.relay_id,
            until=moment + self.lease,
            order_by=[t.c.id],
            limit=self.batch_size,
        ).returning(
            t.c.id,
            t.c.event_id,
            t.c.event_type,
            t.c.schema_version,
            t.c.body,
            t.c.correlation_id,
            t.c.attempts,
        )
        return sorted(self.store.run_alone(claim), key=lambda row: row.id)

    def _renew(self, ids) -> None:
        """Extend the lease of rows this relay still holds."""
        t = tables.outbox
        with self.store.transaction() as session:
            session.execute(
                sa.update(t)
                .where(
                    t.c.id.in_(ids),
                    t.c.claimed_by == self.relay_id,
                    t.c.status == tables.OUTBOX_PENDING,
                )
                .values(claimed_until=now() + self.lease)
            )

    def _record(self, rows, outcomes, unreachable=None) -> None:
        """One transaction for the whole batch: the sent rows in one statement,
        the released ones in another (those the broker was not there for keep
        its reason, for ops), the refused ones each with their own backoff."""
        if not rows:
            return
        unreachable = unreachable or {}
        self._set_aside = []
        t = tables.outbox
        moment = now()
        sent = [row.id for row in rows if row.id in outcomes and outcomes[row.id] is None]
        untried = [row.id for row in rows if row.id not in outcomes and row.id not in unreachable]
        mine = t.c.claimed_by == self.relay_id
        mark_sent = (
            sa.update(t)
            .where(mine, t.c.id.in_(sent))
            .values(
                status=tables.OUTBOX_SENT,
                published_at=moment,
                attempts=t.c.attempts + 1,
                claimed_by=None,
                claimed_until=None,
                last_error=None,
            )
        )
        if len(sent) == len(rows):  # the usual pass: one statement
            self.store.run_alone(mark_sent)
            return
        with self.store.transaction() as session:
            if unreachable:
                session.execute(
                    sa.update(t)
                    .where(t.c.claimed_by == self.relay_id, t.c.id.in_(list(unreachable)))
                    .values(
                        claimed_by=None,
                        claimed_until=None,
                        last_error=next(iter(unreachable.values()))[:1000],
                    )
                )
            if sent:
                session.execute(mark_sent)
            if untried:  # not tried: release the claim
                session.execute(
                    sa.update(t)
                    .where(mine, t.c.id.in_(untried))
                    .values(claimed_by=None, claimed_until=None)
                )
            self._set_aside = []
            for row in rows:
                error = outcomes.get(row.id)
                if row.id not in outcomes or error is None:
                    continue
                attempts = row.attempts + 1
                if error.startswith(REFUSED) and attempts >= self.max_attempts:
                    error = f"gave up after {attempts} attempts; last error: {error}"
                if error.startswith((UNSENDABLE, "gave up")):
                    # never sendable as it is: set aside for ops, the rest go on
                    session.execute(
                        sa.update(t)
                        .where(mine, t.c.id == row.id)
                        .values(
                            status=tables.OUTBOX_FAILED,
                            attempts=attempts,
                            last_error=error[:1000],
                            claimed_by=None,
                            claimed_until=None,
                        )
                    )
                    self._set_aside.append((row, error))
                    continue
                delay = RETRY_BACKOFF_SECONDS[min(row.attempts, len(RETRY_BACKOFF_SECONDS) - 1)]
                session.execute(
                    sa.update(t)
                    .where(mine, t.c.id == row.id)
                    .values(
                        attempts=attempts,
                        last_error=error[:1000],
                        next_attempt_at=moment + timedelta(seconds=delay),
                        claimed_by=None,
                        claimed_until=None,
                    )
                )
        for row, error in self._set_aside:
            metrics.OUTBOX_SET_ASIDE.labels(service=self.producer, event_type=row.event_type).inc()
            log.error(
                "outbox.row_failed",
                outbox_id=row.id,
                event_id=row.event_id,
                event_type=row.event_type,
                attempts=row.attempts + 1,
                error=error,
            )

    def prune(self, older_than: timedelta) -> int:
        """Delete rows published longer ago than `older_than`."""
        t = tables.outbox
        with self.store.transaction() as session:
            return session.execute(
                sa.delete(t).where(
                    t.c.status == tables.OUTBOX_SENT, t.c.published_at < now() - older_than
                )
            ).rowcount


def prune_inbox(store, older_than: timedelta) -> int:
    """Forget processed event ids older than `older_than`. A duplicate only
    arrives within minutes of the original (a relay that died between publish
    and mark, a redelivery, a retry), so a retention of weeks keeps "nothing
    twice" while the table stops growing without bound."""
    t = tables.inbox
    with store.transaction() as session:
        return session.execute(sa.delete(t).where(t.c.processed_at < now() - older_than)).rowcount


def backlog(store) -> dict:
    """Pending outbox rows and the age of the oldest, and the rows set aside
    as failed, for health, metrics and ops."""
    t = tables.outbox
    with store.transaction() as session:
        count, oldest = session.execute(
            sa.select(sa.func.count(), sa.func.min(t.c.created_at)).where(
                t.c.status == tables.OUTBOX_PENDING
            )
        ).one()
        failed = session.execute(
            sa.select(sa.func.count()).where(t.c.status == tables.OUTBOX_FAILED)
        ).scalar_one()
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    age = (now() - oldest).total_seconds() if oldest else 0.0
    return {"pending": count, "oldest_age_seconds": age, "failed": failed}


def failed_rows(store, limit: int = 100) -> list[dict]:
    """The rows set aside as failed, oldest first, with their reason."""
    t = tables.outbox
    with store.transaction() as session:
        rows = session.execute(
            sa.select(
                t.c.id, t.c.event_id, t.c.event_type, t.c.attempts, t.c.created_at, t.c.last_error
            )
            .where(t.c.status == tables.OUTBOX_FAILED)
            .order_by(t.c.id)
            .limit(limit)
        )
        return [{**row._mapping, "created_at": row.created_at.isoformat()} for row in rows]


def retry_failed(store, ids: list[int]) -> list[int]:
    """Put failed rows back in the queue (after ops fixed the cause, e.g.
    raised the broker's limit); answers the ids put back."""
    t = tables.outbox
    with store.transaction() as session:
        found = [
            row.id
            for row in session.execute(
                sa.select(t.c.id).where(t.c.id.in_(ids), t.c.status == tables.OUTBOX_FAILED)
            )
        ]
        if found:
            session.execute(
                sa.update(t)
                .where(t.c.id.in_(found))
                .values(status=tables.OUTBOX_PENDING, attempts=0, next_attempt_at=now())
            )
    missing = sorted(set(ids) - set(found))
    if missing:
        raise LookupError(f"no failed outbox row {', '.join(map(str, missing))}")
    return found
