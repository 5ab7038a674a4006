"""nameko DependencyProviders shared by every service.

`Database` gives a worker `self.db.transaction()`, a unit of work whose events
go to the outbox and, in an event handler, whose inbox record makes the effect
happen once (in an idempotent HTTP request, whose Idempotency-Key claim does
the same). It also runs the outbox relay (and the sweep of dead letters) in
the service's process. `BackgroundJob` is the base of every loop a service
runs on its own (timers, senders): it gets its units of work and its clock
from here, as workers do.
"""

from __future__ import annotations

import contextlib
import time
from datetime import timedelta

import eventlet
import structlog
from eventlet.queue import Empty, Full, LightQueue
from kombu import Connection
from nameko.extensions import DependencyProvider, SharedExtension

from . import health, outbox, parking
from .clock import clock_from_config
from .consuming import EventHandler
from .database import Store
from .envelope import new_correlation_id
from .logs import correlation_id_of
from .outbox import (
    AlreadyProcessed,
    OutboxRelay,
    StaffActor,
    UnitOfWork,
    prune_inbox,
    record_in_inbox,
)
from .topology import topology_from_config

log = structlog.get_logger(__name__)


# how long a busy loop waits for more work once woken (`BackgroundLoop.linger`)
DEFAULT_LINGER_MS = 50


class BackgroundLoop(SharedExtension):
    """A managed green thread that calls `run_once` until the service stops.

    It wakes early when `wake()` is called, polls every `poll_interval`
    otherwise (so work left by a crashed process or another replica is done
    too) and backs off while `run_once` fails.

    A loop whose `run_once` sets `last_pass` (how many items it handled)
    lingers under load: woken after a pass of more than one item, it waits
    `linger` seconds first, so the commits that wake it in a burst share one
    pass instead of one pass (a claim, a transaction, a confirm) each. After
    a pass of one item or none it runs at once.
    """

    identifier = "background_loop"
    poll_interval = 1.0
    linger = 0.0

    def setup(self):
        self._wake = LightQueue(maxsize=1)
        self._running = False
        self._thread = None
        self.last_pass = 0

    @property
    def enabled(self) -> bool:
        return True

    def run_once(self) -> bool:
        """Do one batch; return True when there is more to do right away."""
        raise NotImplementedError

    def start(self):
        if self.enabled:
            self._running = True
            self._thread = self.container.spawn_managed_thread(
                self._run, identifier=self.identifier
            )

    def stop(self):
        # one last pass after the final workers committed, then exit
        self._running = False
        self.wake()
        if self._thread is not None:
            self._thread.wait()

    def kill(self):
        self._running = False
        if self._thread is not None:
            self._thread.kill()

    def wake(self):
        try:
            self._wake.put_nowait(None)
        except Full:
            pass

    def _run(self):
        failures = 0
        while True:
            running = self._running
            try:
                more = self.run_once()
                failures = 0
            except Exception as exc:
                more = False
                failures += 1
                log.warning(f"{self.identifier}.failed", error=f"{type(exc).__name__}: {exc}")
            if not running:
                return
            if more:
                eventlet.sleep(0)
                continue
            timeout = min(30.0, self.poll_interval * 2**failures)
            try:
                self._wake.get(timeout=timeout)
            except Empty:
                continue
            if self.linger and self.last_pass > 1 and self._running:
                eventlet.sleep(self.linger)


class OutboxRelayRunner(BackgroundLoop):
    """Publishes the outbox; every few seconds also sweeps dead letters into
    the parked table, and every hour prunes published outbox rows and old
    inbox entries."""

    identifier = "outbox_relay"

    def setup(self):
        super().setup()
        config = self.container.config
        self._enabled = bool(config.get("OUTBOX_RELAY_ENABLED", True))
        self.poll_interval = float(config.get("OUTBOX_POLL_SECONDS") or 1.0)
        self.linger = float(config.get("OUTBOX_LINGER_MS", DEFAULT_LINGER_MS) or 0) / 1000
        self.sweep_interval = float(config.get("DEAD_LETTER_SWEEP_SECONDS") or 10.0)
        self.retention = timedelta(days=float(config.get("OUTBOX_RETENTION_DAYS") or 7))
        self.inbox_retention = timedelta(days=float(config.get("INBOX_RETENTION_DAYS") or 30))
        self.prune_interval = float(config.get("PRUNE_INTERVAL_SECONDS") or 3600.0)
        self._next_prune = 0.0
        self.amqp_uri = config["AMQP_URI"]
        self.ssl = config.get("AMQP_SSL")
        self.store = Store.for_url(config["DATABASE_URL"])
        self.topology = topology_from_config(self.container.service_name, config)
        self.relay = OutboxRelay(
            self.store,
            producer=self.container.service_name,
            amqp_uri=self.amqp_uri,
            ssl=self.ssl,
            max_message_bytes=int(
                config.get("OUTBOX_MAX_MESSAGE_BYTES") or outbox.DEFAULT_MAX_MESSAGE_BYTES
            ),
            max_attempts=int(config.get("OUTBOX_MAX_ATTEMPTS") or outbox.DEFAULT_MAX_ATTEMPTS),
        )
        self._next_sweep = 0.0

    @property
    def enabled(self) -> bool:
        return self._enabled

    def run_once(self) -> bool:
        result = self.relay.relay_once()
        self.last_pass = result.published + result.failed + result.unreachable
        if time.monotonic() >= self._next_sweep:
            self._next_sweep = time.monotonic() + self.sweep_interval
            self._housekeeping()
        if result.failed:
            raise RuntimeError(f"{result.failed} event(s) not published yet")
        return result.published == self.relay.batch_size

    def _housekeeping(self):
        try:
            with Connection(self.amqp_uri, ssl=self.ssl, connect_timeout=5) as connection:
                moved = parking.sweep_dead_letters(
                    self.store, connection=connection, topology=self.topology
                )
            if moved:
                log.warning("parked.swept_from_dead_letter_queue", count=moved)
            # neither table is indexed on its age column: a full scan now and
            # then is cheaper than an index every insert must maintain
            if time.monotonic() >= self._next_prune:
                self._next_prune = time.monotonic() + self.prune_interval
                self.relay.prune(self.retention)
                forgotten = prune_inbox(self.store, self.inbox_retention)
                if forgotten:
                    log.info("inbox.pruned", count=forgotten)
        except Exception as exc:
            log.warning("housekeeping.failed", error=f"{type(exc).__name__}: {exc}")


class BackgroundJob(BackgroundLoop):
    """A background loop that changes state: `self.transaction()` gives it a
    unit of work like a worker's (its events go to the outbox, the relay is
    woken after commit) and `self.clock()` the service's time."""

    relay = OutboxRelayRunner()

    def setup(self):
        super().setup()
        config = self.container.config
        self.store = Store.for_url(config["DATABASE_URL"])
        self.clock = clock_from_config(config)

    @contextlib.contextmanager
    def transaction(self, correlation_id: str | None = None):
        with self.store.transaction() as session:
            uow = UnitOfWork(
                session,
                producer=self.container.service_name,
                correlation_id=correlation_id or new_correlation_id(),
                origin=f"job:{self.identifier}",
            )
            yield uow
        if uow.envelopes:
            self.relay.wake()


def staff_of(data: dict) -> StaffActor | None:
    """The staff member the request acts for (`web.staff_acted_for`), if any."""
    if data.get("staff_id") and data.get("staff_name"):
        return StaffActor(data["staff_id"], data["staff_name"])
    return None


class Transactions:
    """What `self.db` is inside a worker."""

    def __init__(self, store: Store, producer: str, worker_ctx, on_commit):
        self.store = store
        self.producer = producer
        self.worker_ctx = worker_ctx
        self.on_commit = on_commit

    def health(self) -> tuple[bool, dict]:
        config = self.worker_ctx.config
        return health.check(
            self.store,
            amqp_uri=config["AMQP_URI"],
            ssl=config.get("AMQP_SSL"),
            max_backlog=int(config.get("OUTBOX_MAX_BACKLOG") or health.DEFAULT_MAX_BACKLOG),
        )

    def apply_each(self, events, apply) -> list:
        """In a batched event handler: `apply(uow, event)` for each event, with
        its inbox record, in one transaction; one outcome per event (None:
        applied; `AlreadyProcessed`: a duplicate; otherwise the exception it
        failed with). When any event fails, the whole transaction is rolled
        back and each event applied in a transaction of its own, so one
        event's failure costs no other event its effect."""
        handler = self.worker_ctx.entrypoint.inbox_key
        if len(events) > 1:
            outcomes: list = [None] * len(events)
            published = False
            try:
                with self.store.transaction() as session:
                    fresh = record_in_inbox(session, handler, [e.event_id for e in events])
                    for n, event in enumerate(events):
                        uow = self._event_unit(session, event)
                        try:
                            if fresh is None:
                                uow.mark_processed(handler, event.event_id)
                            elif event.event_id in fresh:
                                fresh.discard(event.event_id)  # a second copy is a duplicate
                            else:
                                raise AlreadyProcessed(
                                    f"{handler} already processed event {event.event_id}"
                                )
                        except AlreadyProcessed as exc:
                            outcomes[n] = exc
                            continue
                        apply(uow, event)
                        published = published or bool(uow.envelopes)
            except Exception as exc:  # noqa: BLE001 - each event is tried alone next
                log.info(
                    "event.batch_split",
                    events=len(events),
                    error=f"{type(exc).__name__}: {exc}"[:300],
                )
            else:
                if published:
                    self.on_commit()
                return outcomes
        return [self._apply_alone(handler, event, apply) for event in events]

    def _apply_alone(self, handler: str, event, apply):
        try:
            with self.store.transaction() as session:
                uow = self._event_unit(session, event)
                uow.mark_processed(handler, event.event_id)
                apply(uow, event)
        except Exception as exc:  # noqa: BLE001 - the entrypoint settles it
            return exc
        if uow.envelopes:
            self.on_commit()
        return None

    def _event_unit(self, session, event) -> UnitOfWork:
        # the use case's log lines carry the event's own correlation id
        structlog.contextvars.bind_contextvars(correlation_id=event.correlation_id)
        return UnitOfWork(
            session,
            producer=self.producer,
            correlation_id=event.correlation_id,
            origin=f"event:{event.producer}/{event.event_type}",
        )

    @contextlib.contextmanager
    def transaction(self):
        """A unit of work; in an event handler, exactly one per event."""
        entrypoint = self.worker_ctx.entrypoint
        consuming = isinstance(entrypoint, EventHandler)
        if consuming and entrypoint.batched:
            raise RuntimeError("a batched event handler applies its events with apply_each")
        if consuming and getattr(self.worker_ctx, "_rueda_inbox_used", False):
            raise RuntimeError("an event handler must apply its effect in one transaction")
        with self.store.transaction() as session:
            uow = UnitOfWork(
                session,
                producer=self.producer,
                correlation_id=correlation_id_of(self.worker_ctx),
                origin=self.worker_ctx.data.get("origin") or "internal",
                actor=staff_of(self.worker_ctx.data),
            )
            if consuming:
                self.worker_ctx._rueda_inbox_used = True
                try:
                    uow.mark_processed(entrypoint.inbox_key, self.worker_ctx.args[0].event_id)
                except AlreadyProcessed:
                    # settled as a duplicate (one info line), not a failed worker
                    self.worker_ctx.rueda_duplicate = True
                    raise
            yield uow
            idempotency = getattr(self.worker_ctx, "rueda_idempotency", None)
            if idempotency is not None:
                # the key is taken with the effect, or not at all: last, so
                # the answer goes in the same statement; a copy that finds it
                # taken undoes its own effect here
                idempotency.claim(session)
        if uow.envelopes:
            self.on_commit()

    def answer(self, status: int, body):
        """`return self.db.answer(status, body)` inside the transaction: an
        idempotent request's answer is then stored with its effect, in the
        same commit (one transaction less, and no window in which a retry
        finds the effect without its answer)."""
        idempotency = getattr(self.worker_ctx, "rueda_idempotency", None)
        if idempotency is not None:
            idempotency.answer = (status, body)
        return status, body


class Database(DependencyProvider):
    relay = OutboxRelayRunner()

    def setup(self):
        self.store = Store.for_url(self.container.config["DATABASE_URL"])

    def get_dependency(self, worker_ctx):
        return Transactions(
            self.store, self.container.service_name, worker_ctx, on_commit=self.relay.wake
        )
