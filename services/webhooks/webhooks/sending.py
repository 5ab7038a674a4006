"""The sender: claims due deliveries, posts them to their receivers a few at a
time (green threads, bounded), records each outcome.

A delivery is claimed for `lease` (long enough for one try with its
timeouts), so several replicas send side by side (`FOR UPDATE SKIP LOCKED`
on PostgreSQL) and the deliveries of a sender killed mid-try go again once the
claim runs out. HTTP cannot be exactly once at the hand-off: a sender that dies
after the receiver's 2xx and before recording it posts the delivery again,
with the same `webhook-id`, which the receiver deduplicates on.

One delivery never holds back the others: one that cannot be built (its
subscription's secret cannot sign, its body cannot be encoded) is parked at
once with the reason; an unexpected error while posting one counts as a
failed try of that delivery alone; each is counted in
`rueda_loop_item_failures_total{loop="delivery_sender"}`.
"""

from __future__ import annotations

import socket
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import eventlet
import sqlalchemy as sa
import structlog

from rueda_backbone import metrics

from . import domain, posting, signing
from .models import Delivery, Subscription

log = structlog.get_logger(__name__)


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Claimed:
    id: str
    subscription_id: str
    url: str
    secret: str
    active: bool
    body: str
    attempts: int
    correlation_id: str


class Sender:
    def __init__(
        self,
        store,
        http,
        *,
        delays: tuple[float, ...],
        concurrency: int = 8,
        connect_timeout: float = 5.0,
        timeout: float = 15.0,
        clock=_utcnow,
    ):
        self.store = store
        self.http = http
        self.delays = tuple(delays)
        self.concurrency = max(1, int(concurrency))
        self.batch_size = self.concurrency
        self.connect_timeout = float(connect_timeout)
        self.timeout = float(timeout)
        self.lease = timedelta(seconds=2 * (self.connect_timeout + self.timeout) + 10)
        self.clock = clock
        self.sender_id = f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"

    def send_due(self) -> int:
        """Try every claimed delivery once, `concurrency` at a time; returns how many."""
        claimed = self._claim()
        pool = eventlet.GreenPool(self.concurrency)
        for delivery in claimed:
            pool.spawn(self._send, delivery)
        pool.waitall()
        return len(claimed)

    def _send(self, delivery: Claimed) -> None:
        try:
            self._try(delivery)
        except Exception as exc:  # noqa: BLE001 - this delivery only
            # not even its outcome could be recorded: the claim runs out and
            # it goes again; the others in the batch are not affected
            log.error(
                "webhook.send_failed", delivery_id=delivery.id, error=f"{type(exc).__name__}: {exc}"
            )

    def _failed_alone(self, delivery: Claimed, what: str, exc: Exception) -> posting.Outcome:
        metrics.LOOP_ITEM_FAILURES.labels(service="webhooks", loop="delivery_sender").inc()
        return posting.Outcome(False, None, f"{what}: {type(exc).__name__}: {exc}")

    def _try(self, delivery: Claimed) -> None:
        if not delivery.active:
            self._record(delivery, posting.Outcome(False, None, "subscription removed"), final=True)
            return
        try:
            timestamp = int(self.clock().timestamp())
            headers = signing.headers(
                delivery.secret, webhook_id=delivery.id, timestamp=timestamp, body=delivery.body
            )
        except Exception as exc:  # noqa: BLE001 - it will never be built: park it now
            self._record(delivery, self._failed_alone(delivery, "cannot be built", exc), final=True)
            return
        try:
            outcome = posting.post(
                self.http,
                delivery.url,
                body=delivery.body,
                headers=headers,
                connect_timeout=self.connect_timeout,
                timeout=self.timeout,
            )
        except Exception as exc:  # noqa: BLE001 - a failed try, with the backoff
            outcome = self._failed_alone(delivery, "could not be posted", exc)
        self._record(delivery, outcome)

    def _record(self, delivery: Claimed, outcome: posting.Outcome, *, final: bool = False):
        now = self.clock()
        attempt = delivery.attempts + (0 if final else 1)
        values = {
            "attempts": attempt,
            "claimed_by": None,
            "claimed_until": None,
            "last_status_code": outcome.status_code,
        }
        if outcome.delivered:
            values.update(status=domain.DELIVERED, delivered_at=now, last_error=None)
        else:
            delay = None if final else domain.after_failure(attempt, self.delays)
            if delay is None:
                reason = (
                    outcome.error
                    if final
                    else f"gave up after {attempt} attempts; last: {outcome.error}"
                )
                values.update(
                    status=domain.PARKED,
                    parked_at=now,
                    last_error=reason[: domain.MAX_ERROR_LENGTH],
                )
            else:
                values.update(
                    next_attempt_at=now + timedelta(seconds=delay),
                    last_error=(outcome.error or "")[: domain.MAX_ERROR_LENGTH],
                )
        with self.store.transaction() as session:
            recorded = session.execute(
                sa.update(Delivery)
                .where(
                    Delivery.id == delivery.id,
                    Delivery.claimed_by == self.sender_id,
                    Delivery.status == domain.PENDING,
                )
                .values(**values)
            ).rowcount
        bound = log.bind(
            delivery_id=delivery.id,
            subscription_id=delivery.subscription_id,
            correlation_id=delivery.correlation_id,
            attempt=attempt,
            status_code=outcome.status_code,
        )
        if not recorded:
            bound.warning("webhook.outcome_not_recorded", reason="the claim passed on")
        elif outcome.delivered:
            bound.info("webhook.delivered")
        elif values.get("status") == domain.PARKED:
            bound.error("webhook.parked", reason=values["last_error"])
        else:
            bound.warning(
                "webhook.retry_scheduled",
                error=outcome.error,
                retry_at=values["next_attempt_at"].isoformat(),
            )

    def _claim(self) -> list[Claimed]:
        now = self.clock()
        with self.store.transaction() as session:
            query = (
                sa.select(Delivery, Subscription)
                .join(Subscription, Subscription.id == Delivery.subscription_id)
                .where(
                    Delivery.status == domain.PENDING,
                    Delivery.next_attempt_at <= now,
                    sa.or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now),
                )
                .order_by(Delivery.next_attempt_at, Delivery.created_at)
                .limit(self.batch_size)
            )
            if not self.store.is_sqlite:
                query = query.with_for_update(skip_locked=True, of=Delivery)
            claimed = []
            for delivery, subscription in session.execute(query):
                delivery.claimed_by = self.sender_id
                delivery.claimed_until = now + self.lease
                claimed.append(
                    Claimed(
                        delivery.id,
                        subscription.id,
                        subscription.url,
                        subscription.secret,
                        subscription.active,
                        delivery.body,
                        delivery.attempts,
                        delivery.correlation_id,
                    )
                )
            return claimed
