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
"""

from __future__ import annotations

import contextlib
import time
from functools import partial

import eventlet
import structlog
from amqp.exceptions import NotFound as ExchangeNotFound
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


def describe_failure(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        return f"invalid payload: {describe_errors(exc.messages, 'payload')}"
    if isinstance(exc, DomainError):
        return f"refused: {exc.describe()}"
    return f"{type(exc).__name__}: {exc}"


class RawQueueConsumer(QueueConsumer):
    """nameko's shared queue consumer, handing over undecoded messages."""

    def get_consumers(self, consumer_cls, channel):
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
        self.container.spawn_managed_thread(
            partial(provider.handle_message, message),
            identifier=f"{provider.queue.name}.handle_message",
        )


class EventHandler(Entrypoint):
    consumer = RawQueueConsumer()

    def __init__(self, producer: str, event_type: str, **kwargs):
        self.producer = producer
        self.event_type = event_type
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
        self.consumer.unregister_provider(self)
        super().stop()

    # -- receiving ---------------------------------------------------------

    def handle_message(self, message):
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
            return
        if envelope.event_type != self.event_type:
            # a misrouted message would otherwise be applied as the wrong event
            self._park(
                message,
                f"expected {self.event_type!r}, got {envelope.event_type!r}",
                attempts=0,
                envelope=envelope,
            )
            return
        try:
            self.container.spawn_worker(
                self,
                (envelope,),
                {},
                context_data={
                    "correlation_id": envelope.correlation_id,
                    "origin": f"event:{envelope.producer}/{envelope.event_type}",
                },
                handle_result=partial(self.handle_result, message, envelope, time.monotonic()),
            )
        except ContainerBeingKilled:
            self.consumer.requeue_message(message)

    def handle_result(self, message, envelope, started, worker_ctx, result=None, exc_info=None):
        try:
            if exc_info is None and getattr(worker_ctx, "rueda_duplicate", False):
                exc_info = (AlreadyProcessed, AlreadyProcessed(), None)
            self._settle(message, envelope, exc_info)
            metrics.HANDLER_LATENCY.labels(service=self.service, queue=self.queue.name).observe(
                time.monotonic() - started
            )
        except Exception:
            log.exception("event.settle_failed", queue=self.queue.name, event_id=envelope.event_id)
            eventlet.sleep(1)  # a requeue loop must not spin the broker
            self.consumer.requeue_message(message)
        return result, exc_info

    # -- settling ----------------------------------------------------------

    def _settle(self, message, envelope, exc_info):
        bound = log.bind(
            queue=self.queue.name,
            event_type=envelope.event_type,
            event_id=envelope.event_id,
            correlation_id=envelope.correlation_id,
        )
        if exc_info is None:
            self.consumer.ack_message(message)
            # one line per event and service: ops follow a correlation id
            # through every service's logs with it
            bound.info("event.processed")
            self._count("processed")
            return
        exc = exc_info[1]
        if isinstance(exc, AlreadyProcessed):
            bound.info("event.duplicate_skipped")
            self.consumer.ack_message(message)
            self._count("duplicate")
            return
        attempt = self._attempt(message) + 1
        reason = describe_failure(exc)
        if isinstance(exc, PERMANENT) or (
            isinstance(exc, DomainError) and not self.errors.is_retried(exc)
        ):
            bound.warning("event.parked", reason=reason)
            self._park(message, reason, attempts=attempt, envelope=envelope)
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
            self.consumer.ack_message(message)
            self._count("retried")
            return
        reason = f"gave up after {attempt} attempts; last error: {reason}"
        bound.error("event.parked", reason=reason)
        self._park(message, reason, attempts=attempt, envelope=envelope)

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

    def _park(self, message, reason, *, attempts, envelope=None):
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
        self.consumer.ack_message(message)
        self._count("parked")


event_handler = EventHandler.decorator
