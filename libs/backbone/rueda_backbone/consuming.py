"""`event_handler`: a nameko entrypoint that never loses nor doubles an event.

nameko 2.14's own event handler acks a message even when the handler raises,
and kombu refuses (and nameko drops) a body it cannot decode. This entrypoint
takes the raw body instead and settles every message itself:

- not a valid envelope -> parked with the reason;
- handled (or already handled: the inbox said so) -> acked;
- permanent failure (the payload fails its reader, or a use case raised a
  `DomainError` the service's `ErrorMapping` does not retry) -> parked with
  the error's code, message and fields;
- any other failure -> republished to the next retry delay, then acked; once
  the delays are used up -> parked.

A message is acked only after its effect committed, its retry copy was
confirmed by the broker, or it was parked; if none of those can be done it is
requeued, so a crash at any point leaves it in RabbitMQ.

Handlers of the consumer edge (`inbound.py` tables) take their messages in
batches (`batched=True`): the messages of a queue that arrived while the
previous batch ran are applied in one transaction, each with its own inbox
record and unit of work, and acked together (`basic.ack` with `multiple`
once every earlier delivery on the channel is settled). Under a burst that
is one commit and one ack frame for many events instead of one each, which
was most of a consumer's cost. Under load a batch first waits a few
milliseconds (`EVENT_BATCH_LINGER_MS`) for more events; at a trickle it
does not. A batch in which any event fails is rolled
back whole and its events applied one transaction each, so a poison event
fails alone and the others' effects stand, as without batches.
"""

from __future__ import annotations

import collections
import contextlib
import time
from functools import partial

import eventlet
import structlog
from amqp.exceptions import ConnectionError as AmqpConnectionError
from amqp.exceptions import NotFound as ExchangeNotFound
from eventlet.event import Event as Signal
from kombu import Connection
from marshmallow import ValidationError
from nameko.amqp.publish import Publisher
from nameko.exceptions import ContainerBeingKilled
from nameko.extensions import Entrypoint
from nameko.messaging import QueueConsumer

from . import metrics, parking
from .cloud_events import envelope_from_message, is_cloud_event
from .database import Store
from .envelope import InvalidEnvelope, describe_errors
from .errors import DEFAULT_MAPPING, DomainError
from .outbox import AlreadyProcessed
from .topology import (
    apply_policies,
    declare,
    events_exchange,
    policy_manager_url,
    topology_from_config,
    vhost_of,
)

log = structlog.get_logger(__name__)


class PermanentFailure(Exception):
    """Raised by a handler for a message that can never succeed as it is."""


PERMANENT = (PermanentFailure, ValidationError, InvalidEnvelope)
DEFAULT_BATCH_SIZE = 25
DEFAULT_BATCH_CONCURRENCY = 1
DEFAULT_BATCH_LINGER_MS = 20


def describe_failure(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        return f"invalid payload: {describe_errors(exc.messages, 'payload')}"
    if isinstance(exc, DomainError):
        return f"refused: {exc.describe()}"
    return f"{type(exc).__name__}: {exc}"


class _Deliveries:
    """The deliveries of one channel not settled yet."""

    def __init__(self, channel):
        self.channel = channel
        self.unsettled: set[int] = set()


class RawQueueConsumer(QueueConsumer):
    """nameko's shared queue consumer, handing over undecoded messages and
    acking them in runs: all its consumers share one channel, whose delivery
    tags rise in delivery order, so when every delivery up to a tag is
    settled one `basic.ack(tag, multiple=True)` acks them all."""

    # a batch is at most what the broker delivered and has not seen acked
    BATCHED_PREFETCH = 50

    def __init__(self):
        super().__init__()
        self._deliveries: dict[int, _Deliveries] = {}

    @property
    def prefetch_count(self):
        if any(getattr(p, "batched", False) for p in self._providers):
            return max(self.container.max_workers, self.BATCHED_PREFETCH)
        return self.container.max_workers

    def get_consumers(self, consumer_cls, channel):
        # a new channel after a reconnection: the old one's tags mean nothing
        # now, the broker gave its unacked messages back to the queues
        self._deliveries.clear()
        for provider in self._providers:
            consumer = consumer_cls(
                queues=[provider.queue],
                on_message=partial(self.handle_raw_message, provider),
            )
            consumer.qos(prefetch_count=self.prefetch_count)
            self._consumers[provider] = consumer
        return self._consumers.values()

    @contextlib.contextmanager
    def establish_connection(self):
        # back within a second of the broker's return, not after kombu's
        # 2, 4, 6... second backoff (the next try would come up to 30 s late)
        with self.create_connection() as conn:
            conn.ensure_connection(
                self.on_connection_error,
                self.connect_max_retries,
                interval_start=0.25,
                interval_step=0.25,
                interval_max=1,
            )
            yield conn

    def handle_raw_message(self, provider, message):
        self._of(message.channel).unsettled.add(message.delivery_tag)
        provider.receive(message)

    def _of(self, channel) -> _Deliveries:
        deliveries = self._deliveries.get(id(channel))
        if deliveries is None or deliveries.channel is not channel:
            deliveries = self._deliveries[id(channel)] = _Deliveries(channel)
        return deliveries

    def ack_messages(self, messages) -> None:
        """Ack settled messages: those below every delivery still being
        handled with one frame, any others one by one (a slow handler of
        another queue on the channel must not hold them, and with them their
        queue's prefetch, until it is done)."""
        by_channel: dict[int, list] = {}
        for message in messages:
            by_channel.setdefault(id(message.channel), []).append(message)
        for settled in by_channel.values():
            channel = settled[0].channel
            deliveries = self._of(channel)
            tags = {message.delivery_tag for message in settled}
            waiting = deliveries.unsettled - tags
            limit = min(waiting) if waiting else None
            # only on a live channel; otherwise the broker has taken them back
            if not channel.connection:
                deliveries.unsettled -= tags
                continue
            run = sorted(t for t in tags if limit is None or t < limit)
            try:
                if run:
                    # `multiple` names the highest tag, one of ours not acked
                    # yet: the broker closes the channel on an ack of a tag
                    # it does not hold
                    channel.basic_ack(run[-1], multiple=len(run) > 1)
                for tag in sorted(tags.difference(run)):
                    channel.basic_ack(tag)
            except (AmqpConnectionError, OSError) as exc:
                # the connection is going: the broker takes them back with it,
                # and the next channel starts a new book
                log.warning("event.ack_failed", error=f"{type(exc).__name__}: {exc}")
                continue
            # settled only once written: a write that waits lets other green
            # threads run, and their `multiple` must not reach over these
            deliveries.unsettled -= tags
            for message in settled:
                message._state = "ACK"

    def ack_message(self, message):
        self.ack_messages([message])

    def unsettled(self, channel) -> set[int]:
        return self._of(channel).unsettled

    def requeue_message(self, message):
        self._of(message.channel).unsettled.discard(message.delivery_tag)
        super().requeue_message(message)


class EventHandler(Entrypoint):
    """`event_handler(producer, event_type)`: the method gets one envelope.

    With `batched=True` (what the consumer edge uses) it gets a list of
    envelopes of its queue and returns one outcome for each: None when
    applied, an `AlreadyProcessed` for a duplicate, or the exception that
    event failed with, which is settled like a handler's own."""

    consumer = RawQueueConsumer()

    def __init__(self, producer: str, event_type: str, *, batched: bool = False, **kwargs):
        self.producer = producer
        self.event_type = event_type
        self.batched = batched
        kwargs.setdefault("expected_exceptions", (*PERMANENT, DomainError, AlreadyProcessed))
        super().__init__(**kwargs)

    def setup(self):
        config = self.container.config
        self.service = self.container.service_name
        self.errors = getattr(self.container.service_cls, "errors", None) or DEFAULT_MAPPING
        self.topology = topology_from_config(self.service, config)
        self.queue = self.topology.handler_queue(self.method_name, self.producer, self.event_type)
        self.inbox_key = self.queue.name
        self.store = Store.for_url(config["DATABASE_URL"])
        # a batch holds SQLite's write lock while it runs: a few dozen events
        # keep that to tens of milliseconds
        self.batch_size = max(1, int(config.get("EVENT_BATCH_SIZE") or DEFAULT_BATCH_SIZE))
        # one batch at a time per queue: on a busy machine a second one only
        # halves both batches (twice the commits and acks for the same events);
        # more help when the database is a network hop away
        self.batch_concurrency = max(
            1, int(config.get("EVENT_BATCH_CONCURRENCY") or DEFAULT_BATCH_CONCURRENCY)
        )
        # under load (the last batch held several events) a batch waits this
        # long for more before it starts, Nagle-style: a few milliseconds of
        # latency for a few times fewer transactions and acks per event; a
        # batch of one means a trickle, and the next event starts at once
        linger = config.get("EVENT_BATCH_LINGER_MS")
        self.batch_linger = (
            float(DEFAULT_BATCH_LINGER_MS if linger in (None, "") else linger) / 1000
        )
        self._last_batch = 1
        self._pending = collections.deque()
        self._drainers = 0
        self._stopping = False
        amqp_uri = config["AMQP_URI"]
        ssl = config.get("AMQP_SSL")
        # policies first, so no queue exists a moment without its delivery
        # limit, TTL or dead letters; only where no definitions file brings
        # them (a developer's broker, tests, the demo: see topology.py)
        manager = policy_manager_url(config)
        if manager:
            apply_policies(manager, vhost_of(amqp_uri), self.topology.policies())
        with Connection(amqp_uri, ssl=ssl) as connection:
            for entity in self.topology.declarations():
                declare(connection, entity)
            self._ensure_producer_exchange(connection)
            if not declare(connection, self.queue):
                # declared by a version before the policies: the consumer must
                # not redeclare it (refused), it uses it as it is
                self.queue.no_declare = True
        self.publisher = Publisher(amqp_uri, use_confirms=True, mandatory=True, ssl=ssl)
        self.consumer.register_provider(self)

    def _ensure_producer_exchange(self, connection):
        # With per-service broker users a consumer may bind to the producer's
        # exchange but not declare it (that would let it delete it too), so the
        # queue never declares it; it only has to exist. Locally, where the
        # consumer may start first and has every right, it is created here.
        exchange = events_exchange(self.producer)
        try:
            exchange.declare(passive=True, channel=connection.channel())
        except ExchangeNotFound:
            exchange.declare(channel=connection.channel())

    def stop(self):
        # what was delivered but not started goes back to the queue (to
        # another replica), not into a batch after the workers were awaited
        self._stopping = True
        self.consumer.unregister_provider(self)
        super().stop()

    # -- receiving ---------------------------------------------------------

    def receive(self, message):
        """Called by the consumer for each delivery, in delivery order."""
        if not self.batched:
            self.container.spawn_managed_thread(
                partial(self.handle_message, message),
                identifier=f"{self.queue.name}.handle_message",
            )
            return
        self._pending.append(message)
        if self._drainers < self.batch_concurrency:
            self._drainers += 1
            self.container.spawn_managed_thread(self._drain, identifier=f"{self.queue.name}.drain")

    def _drain(self):
        """Take what has arrived as one batch, run it, repeat until none is left."""
        try:
            while self._pending:
                if (
                    self.batch_linger
                    and self._last_batch > 1
                    and len(self._pending) < self.batch_size
                ):
                    eventlet.sleep(self.batch_linger)
                batch = [
                    self._pending.popleft() for _ in range(min(self.batch_size, len(self._pending)))
                ]
                self._last_batch = len(batch)
                if self._stopping:
                    for message in batch:
                        self.consumer.requeue_message(message)
                    continue
                try:
                    self._handle_batch(batch)
                except Exception:
                    # never leave a delivery unsettled: it would hold its
                    # prefetch slot (and, unacked, every later ack's run)
                    log.exception("event.batch_failed", queue=self.queue.name)
                    for message in batch:
                        if message.delivery_tag in self.consumer.unsettled(message.channel):
                            self.consumer.requeue_message(message)
        finally:
            self._drainers -= 1

    def _envelope_of(self, message):
        """The message's envelope, or None once it was parked as unreadable or misrouted."""
        try:
            envelope = envelope_from_message(
                message.body,
                headers=message.headers,
                content_type=message.content_type,
                producer=self.producer,
            )
        except InvalidEnvelope as exc:
            what = (
                "a CloudEvent rueda cannot take"
                if is_cloud_event(message.headers, message.content_type)
                else "not a rueda event envelope"
            )
            self._park(message, f"{what}: {exc}", attempts=0)
            return None
        if envelope.event_type != self.event_type:
            # a misrouted message would otherwise be applied as the wrong event
            self._park(
                message,
                f"expected {self.event_type!r}, got {envelope.event_type!r}",
                attempts=0,
                envelope=envelope,
            )
            return None
        return envelope

    def _context(self, envelope) -> dict:
        return {
            "correlation_id": envelope.correlation_id,
            "origin": f"event:{envelope.producer}/{envelope.event_type}",
        }

    def handle_message(self, message):
        envelope = self._envelope_of(message)
        if envelope is None:
            return
        try:
            self.container.spawn_worker(
                self,
                (envelope,),
                {},
                context_data=self._context(envelope),
                handle_result=partial(self.handle_result, message, envelope, time.monotonic()),
            )
        except ContainerBeingKilled:
            self.consumer.requeue_message(message)

    def _handle_batch(self, messages):
        entries = []
        for message in messages:
            envelope = self._envelope_of(message)
            if envelope is not None:
                entries.append((message, envelope))
        if not entries:
            return
        metrics.EVENT_BATCH_SIZE.labels(service=self.service, queue=self.queue.name).observe(
            len(entries)
        )
        settled = Signal()
        try:
            self.container.spawn_worker(
                self,
                ([envelope for _message, envelope in entries],),
                {},
                context_data=self._context(entries[0][1]),
                handle_result=partial(self.handle_batch_result, entries, time.monotonic(), settled),
            )
        except ContainerBeingKilled:
            for message, _envelope in entries:
                self.consumer.requeue_message(message)
            return
        settled.wait()

    def handle_result(self, message, envelope, started, worker_ctx, result=None, exc_info=None):
        try:
            if exc_info is None and getattr(worker_ctx, "rueda_duplicate", False):
                exc_info = (AlreadyProcessed, AlreadyProcessed(), None)
            self._settle(message, envelope, exc_info)
            self._observe(started)
        except Exception:
            log.exception("event.settle_failed", queue=self.queue.name, event_id=envelope.event_id)
            eventlet.sleep(1)  # a requeue loop must not spin the broker
            self.consumer.requeue_message(message)
        return result, exc_info

    def handle_batch_result(
        self, entries, started, settled, worker_ctx, result=None, exc_info=None
    ):
        try:
            if exc_info is not None:
                # the batch failed outside any one event's transaction
                outcomes = [exc_info[1]] * len(entries)
            elif not isinstance(result, list) or len(result) != len(entries):
                outcomes = [RuntimeError("the handler gave no outcome per event")] * len(entries)
            else:
                outcomes = result
            acks = []
            requeue = []
            for (message, envelope), outcome in zip(entries, outcomes, strict=True):
                try:
                    self._settle(
                        message,
                        envelope,
                        None if outcome is None else (type(outcome), outcome, None),
                        ack=acks.append,
                    )
                except Exception:
                    log.exception(
                        "event.settle_failed", queue=self.queue.name, event_id=envelope.event_id
                    )
                    if not any(acked is message for acked in acks):  # settled before it failed
                        requeue.append(message)
            self.consumer.ack_messages(acks)
            if requeue:
                eventlet.sleep(1)  # a requeue loop must not spin the broker
                for message in requeue:
                    self.consumer.requeue_message(message)
            for _ in entries:
                self._observe(started)
        finally:
            settled.send(True)
        return result, exc_info

    def _observe(self, started: float) -> None:
        metrics.HANDLER_LATENCY.labels(service=self.service, queue=self.queue.name).observe(
            time.monotonic() - started
        )

    # -- settling ----------------------------------------------------------

    def _settle(self, message, envelope, exc_info, ack=None):
        ack = ack or self.consumer.ack_message
        bound = log.bind(
            queue=self.queue.name,
            event_type=envelope.event_type,
            event_id=envelope.event_id,
            correlation_id=envelope.correlation_id,
        )
        if exc_info is None:
            ack(message)
            # one line per event and service: ops follow a correlation id
            # through every service's logs with it
            bound.info("event.processed")
            self._count("processed")
            return
        exc = exc_info[1]
        if isinstance(exc, AlreadyProcessed):
            bound.info("event.duplicate_skipped")
            ack(message)
            self._count("duplicate")
            return
        attempt = self._attempt(message) + 1
        reason = describe_failure(exc)
        if isinstance(exc, PERMANENT) or (
            isinstance(exc, DomainError) and not self.errors.is_retried(exc)
        ):
            bound.warning("event.parked", reason=reason)
            self._park(message, reason, attempts=attempt, envelope=envelope, ack=ack)
            return
        if attempt < self.topology.max_attempts:
            delay = self.topology.retry_delays[attempt - 1]
            bound.warning(
                "event.retry_scheduled", attempt=attempt, delay_seconds=delay, error=reason
            )
            self._republish(
                message,
                self.topology.retry_exchange_for(attempt),
                {parking.ATTEMPT_HEADER: attempt},
            )
            ack(message)
            self._count("retried")
            return
        reason = f"gave up after {attempt} attempts; last error: {reason}"
        bound.error("event.parked", reason=reason)
        self._park(message, reason, attempts=attempt, envelope=envelope, ack=ack)

    def _count(self, outcome: str) -> None:
        metrics.EVENTS_CONSUMED.labels(
            service=self.service, queue=self.queue.name, outcome=outcome
        ).inc()

    @staticmethod
    def _attempt(message) -> int:
        try:
            return int((message.headers or {}).get(parking.ATTEMPT_HEADER) or 0)
        except (TypeError, ValueError):
            return 0

    def _republish(self, message, exchange, extra_headers):
        headers = dict(message.headers or {})
        headers.update(extra_headers)
        properties = message.properties or {}
        self.publisher.publish(
            message.body,
            exchange=exchange,
            routing_key=self.queue.name,
            content_type=message.content_type or "application/json",
            content_encoding=message.content_encoding or "utf-8",
            message_id=properties.get("message_id"),
            type=properties.get("type"),
            correlation_id=properties.get("correlation_id"),
            headers=headers,
        )

    def _park(self, message, reason, *, attempts, envelope=None, ack=None):
        headers = dict(message.headers or {})
        body = message.body if isinstance(message.body, bytes) else str(message.body).encode()
        properties = message.properties or {}
        try:
            parked_id = parking.park(
                self.store,
                queue=self.queue.name,
                headers=headers,
                body=body,
                reason=reason,
                attempts=attempts,
                event_id=envelope.event_id if envelope else properties.get("message_id"),
                event_type=envelope.event_type if envelope else properties.get("type"),
            )
            log.warning("message.parked", queue=self.queue.name, parked_id=parked_id, reason=reason)
        except Exception as exc:
            # the database is down: keep it in the broker until it is back
            log.error("message.park_deferred", queue=self.queue.name, error=str(exc))
            self._republish(
                message,
                self.topology.dead_exchange,
                {
                    parking.REASON_HEADER: reason,
                    parking.QUEUE_HEADER: self.queue.name,
                    parking.ATTEMPT_HEADER: attempts,
                },
            )
        (ack or self.consumer.ack_message)(message)
        self._count("parked")


event_handler = EventHandler.decorator
