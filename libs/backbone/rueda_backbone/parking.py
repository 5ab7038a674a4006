"""Parked messages: kept with their reason, listed and replayed by ops.

A message is parked when it can never succeed as it is (not an envelope, a
payload the reader refuses) or when its retries ran out. It goes to the
service's parked_message table; if the database is unreachable it goes to the
`<service>.dead` queue instead, and `sweep_dead_letters` moves it into the
table later. Replaying republishes it through the first retry exchange, which
routes it back to the queue it came from after a short delay.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
import structlog
from kombu import Connection

from . import tables
from .outbox import now
from .topology import Topology, declare

log = structlog.get_logger(__name__)

REASON_HEADER = "x-rueda-reason"
ATTEMPT_HEADER = "x-rueda-attempt"
QUEUE_HEADER = "x-rueda-queue"
MAX_REASON_LENGTH = 2000


@dataclass(frozen=True)
class ParkedMessage:
    id: int
    queue: str
    event_id: str | None
    event_type: str | None
    reason: str
    attempts: int
    parked_at: datetime
    replayed_at: datetime | None
    replay_count: int
    headers: dict
    body: bytes

    def summary(self) -> dict:
        return {
            "id": self.id,
            "queue": self.queue,
            "event_id": self.event_id,
            "event_type": self.event_type,
            "reason": self.reason,
            "attempts": self.attempts,
            "parked_at": self.parked_at.isoformat(),
            "replayed_at": self.replayed_at.isoformat() if self.replayed_at else None,
            "replay_count": self.replay_count,
        }


def json_safe_headers(headers: dict | None) -> dict:
    """AMQP headers may hold bytes and datetimes; keep a JSON-able copy."""
    return json.loads(json.dumps(headers or {}, default=str))


def park(
    store,
    *,
    queue: str,
    headers: dict,
    body: bytes,
    reason: str,
    attempts: int,
    event_id: str | None = None,
    event_type: str | None = None,
) -> int:
    with store.transaction() as session:
        return session.execute(
            sa.insert(tables.parked)
            .values(
                queue=queue,
                event_id=event_id,
                event_type=event_type,
                headers=json_safe_headers(headers),
                body=body,
                reason=reason[:MAX_REASON_LENGTH],
                attempts=attempts,
                parked_at=now(),
                replay_count=0,
            )
            .returning(tables.parked.c.id)
        ).scalar_one()


def list_parked(store, *, include_replayed: bool = False, limit: int = 100) -> list[ParkedMessage]:
    t = tables.parked
    query = sa.select(t).order_by(t.c.id).limit(limit)
    if not include_replayed:
        query = query.where(t.c.replayed_at.is_(None))
    with store.transaction() as session:
        return [ParkedMessage(**row._mapping) for row in session.execute(query)]


def get_parked(store, parked_id: int) -> ParkedMessage | None:
    with store.transaction() as session:
        row = session.execute(
            sa.select(tables.parked).where(tables.parked.c.id == parked_id)
        ).first()
    return ParkedMessage(**row._mapping) if row else None


def replay(store, *, amqp_uri: str, topology: Topology, ids: list[int], ssl=None) -> list[int]:
    """Send parked messages back to their queues; returns the ids replayed."""
    from nameko.amqp.publish import Publisher

    exchange = topology.retry_exchanges[0]
    # declared here and not by the publisher: a retry queue a version before
    # the policies declared with arguments is refused a plain redeclaration
    with Connection(amqp_uri, ssl=ssl) as connection:
        for entity in topology.declarations():
            declare(connection, entity)
    publisher = Publisher(amqp_uri, use_confirms=True, mandatory=True, ssl=ssl)
    replayed = []
    for parked_id in ids:
        message = get_parked(store, parked_id)
        if message is None:
            raise LookupError(f"no parked message {parked_id}")
        headers = {
            k: v
            for k, v in message.headers.items()
            if not k.startswith("x-death")
            and not k.startswith("x-first-death")
            and not k.startswith("x-last-death")
        }
        headers[ATTEMPT_HEADER] = 0
        headers.pop(REASON_HEADER, None)
        publisher.publish(
            message.body,
            exchange=exchange,
            routing_key=message.queue,
            content_type="application/json",
            content_encoding="utf-8",
            message_id=message.event_id,
            type=message.event_type,
            headers=headers,
        )
        with store.transaction() as session:
            t = tables.parked
            session.execute(
                sa.update(t)
                .where(t.c.id == parked_id)
                .values(replayed_at=now(), replay_count=t.c.replay_count + 1)
            )
        log.info(
            "parked.replayed", parked_id=parked_id, queue=message.queue, event_id=message.event_id
        )
        replayed.append(parked_id)
    return replayed


def last_death(headers: dict) -> dict:
    """The broker's latest dead-lettering of a message: the first entry of
    `x-death` (most recent first). Not `x-first-death-*`: those are set once,
    and a message that waited in a retry queue was first dead-lettered there
    (reason "expired") before it ever reached its delivery limit."""
    deaths = headers.get("x-death")
    if isinstance(deaths, (list, tuple)) and deaths and isinstance(deaths[0], dict):
        return deaths[0]
    return {
        "queue": headers.get("x-first-death-queue"),
        "reason": headers.get("x-first-death-reason"),
    }


def dead_letter_reason(headers: dict) -> str:
    if headers.get(REASON_HEADER):
        return str(headers[REASON_HEADER])
    reason = last_death(headers).get("reason") or "dead-lettered"
    if reason == "delivery_limit":
        return (
            "delivery limit reached: the message was redelivered too often, "
            "most likely because its worker died while handling it"
        )
    return f"dead-lettered by the broker: {reason}"


def _clean(text, limit: int) -> str | None:
    """A column-safe copy: no NUL (PostgreSQL text refuses it), at most `limit`."""
    if text is None:
        return None
    return str(text).replace("\x00", "\\x00")[:limit]


def _park_dead_letter(store, message, topology: Topology) -> None:
    headers = dict(message.headers or {})
    body = message.body if isinstance(message.body, bytes) else str(message.body).encode()
    properties = message.properties or {}
    queue = str(
        headers.get(QUEUE_HEADER) or last_death(headers).get("queue") or topology.dead_queue.name
    )
    try:
        park(
            store,
            queue=queue,
            headers=headers,
            body=body,
            reason=dead_letter_reason(headers),
            attempts=int(headers.get(ATTEMPT_HEADER) or 0),
            event_id=properties.get("message_id"),
            event_type=properties.get("type"),
        )
    except Exception as exc:  # noqa: BLE001 - parked as it can be, below
        # a message that cannot be filed as it came (a NUL in a header, an id
        # longer than the column, a header that is not a number...) is filed
        # with what can be kept, and the reason why
        log.warning("parked.dead_letter_kept_as_is", error=f"{type(exc).__name__}: {exc}")
        try:
            attempts = int(headers.get(ATTEMPT_HEADER) or 0)
        except (TypeError, ValueError):
            attempts = 0
        park(
            store,
            queue=_clean(queue, 200),
            headers={"x-rueda-original-headers": _clean(repr(headers), 10_000)},
            body=body,
            reason=_clean(
                f"{dead_letter_reason(headers)} (could not be parked as it came: "
                f"{type(exc).__name__}: {exc})",
                MAX_REASON_LENGTH,
            ),
            attempts=attempts,
            event_id=_clean(properties.get("message_id"), 64),
            event_type=_clean(properties.get("type"), 100),
        )


def sweep_dead_letters(
    store, *, connection: Connection, topology: Topology, limit: int = 100
) -> int:
    """Move messages from `<service>.dead` into the parked_message table.

    One message that cannot be parked does not stop the sweep: it is filed
    with what can be kept of it; if even that fails it stays in the queue
    (unacked until the sweep ends, so the others behind it are moved) and is
    counted in `rueda_loop_item_failures_total{loop="dead_letter_sweep"}`.
    Returns how many were moved."""
    from . import metrics

    moved = in_a_row = 0
    kept = []
    with connection.SimpleQueue(topology.dead_queue) as queue:
        for _ in range(limit):
            try:
                message = queue.get(block=False)
            except queue.Empty:
                break
            try:
                _park_dead_letter(store, message, topology)
            except Exception as exc:  # noqa: BLE001 - this message only
                kept.append(message)  # unacked: the next get gives the one behind it
                in_a_row += 1
                metrics.LOOP_ITEM_FAILURES.labels(
                    service=topology.service, loop="dead_letter_sweep"
                ).inc()
                log.error(
                    "parked.dead_letter_not_parked",
                    event_id=(message.properties or {}).get("message_id"),
                    error=f"{type(exc).__name__}: {exc}",
                )
                if in_a_row >= 3:  # the database, not the messages: try later
                    break
                continue
            message.ack()
            moved += 1
            in_a_row = 0
        for message in kept:  # back in the queue for the next sweep
            message.requeue()
    return moved
