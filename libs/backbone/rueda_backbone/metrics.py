"""Prometheus metrics every service exposes at `GET /metrics`.

Each replica is its own process with its own registry; Prometheus scrapes
every pod and sums. The `service` label keeps services apart when several
containers share a process (the interface tests), and the handler's queue
name says which handler an event went through.

notify counts its emails with
`EMAILS.labels(service="notify", outcome="sent").inc()` (or "failed").
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

REGISTRY = CollectorRegistry(auto_describe=True)

EVENTS_CONSUMED = Counter(
    "rueda_events_consumed_total",
    "Event messages settled by a handler, by outcome: processed, duplicate "
    "(the inbox had it), retried (sent to a retry delay) or parked.",
    ["service", "queue", "outcome"],
    registry=REGISTRY,
)

EVENTS_PUBLISHED = Counter(
    "rueda_events_published_total",
    "Events the outbox relay published (confirmed by the broker).",
    ["service", "event_type"],
    registry=REGISTRY,
)

PUBLISH_FAILURES = Counter(
    "rueda_outbox_publish_failures_total",
    "Outbox rows the relay could not publish (broker down, or no queue bound).",
    ["service"],
    registry=REGISTRY,
)

OUTBOX_SET_ASIDE = Counter(
    "rueda_outbox_rows_failed_total",
    "Outbox rows set aside as failed: they can never be published as they "
    "are (rueda-ops outbox status lists them).",
    ["service", "event_type"],
    registry=REGISTRY,
)

OUTBOX_FAILED = Gauge(
    "rueda_outbox_failed",
    "Outbox rows set aside as failed and not put back yet, read at scrape time.",
    ["service"],
    registry=REGISTRY,
)

LOOP_ITEM_FAILURES = Counter(
    "rueda_loop_item_failures_total",
    "Items a background loop (a timer, the planner, a sender, the dead-letter "
    "sweep) could not handle: each is skipped or set aside alone and the rest "
    "of the batch goes on; the log line says which and why.",
    ["service", "loop"],
    registry=REGISTRY,
)

OUTBOX_BACKLOG = Gauge(
    "rueda_outbox_backlog",
    "Outbox rows not yet published, read at scrape time.",
    ["service"],
    registry=REGISTRY,
)

OUTBOX_OLDEST_AGE = Gauge(
    "rueda_outbox_oldest_age_seconds",
    "Age of the oldest unpublished outbox row (0 when none), read at scrape time.",
    ["service"],
    registry=REGISTRY,
)

PARKED_OPEN = Gauge(
    "rueda_parked_messages",
    "Parked messages not replayed yet (rueda-ops parked list), read at scrape time.",
    ["service"],
    registry=REGISTRY,
)

HANDLER_LATENCY = Histogram(
    "rueda_handler_duration_seconds",
    "Time from receiving an event message to settling it.",
    ["service", "queue"],
    registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)

EVENT_BATCH_SIZE = Histogram(
    "rueda_event_batch_size",
    "Events a batched handler applied in one transaction: what had arrived "
    "on its queue while the previous batch ran (1 at a trickle).",
    ["service", "queue"],
    registry=REGISTRY,
    buckets=(1, 2, 3, 5, 10, 25, 50),
)

EMAILS = Counter(
    "rueda_emails_total",
    "Emails handed to the SMTP server (sent) or given up on (failed).",
    ["service", "outcome"],
    registry=REGISTRY,
)


BUILD_INFO = Gauge(
    "rueda_build_info",
    "Always 1: the version of the service and of the backbone it runs on.",
    ["service", "version", "backbone_version"],
    registry=REGISTRY,
)


def versions(service: str) -> dict:
    """The installed versions of the service (distribution `rueda-<service>`)
    and of rueda-backbone; "unknown" for a service that is not installed."""
    from importlib.metadata import PackageNotFoundError, version

    def of(distribution):
        try:
            return version(distribution)
        except PackageNotFoundError:
            return "unknown"

    return {"version": of(f"rueda-{service}"), "backbone_version": of("rueda-backbone")}


def refresh_gauges(service: str, store) -> None:
    """Read the outbox backlog and the parked messages into their gauges."""
    import sqlalchemy as sa

    from . import tables
    from .outbox import backlog

    report = backlog(store)
    OUTBOX_BACKLOG.labels(service=service).set(report["pending"])
    OUTBOX_OLDEST_AGE.labels(service=service).set(report["oldest_age_seconds"])
    OUTBOX_FAILED.labels(service=service).set(report["failed"])
    with store.transaction() as session:
        parked = session.execute(
            sa.select(sa.func.count())
            .select_from(tables.parked)
            .where(tables.parked.c.replayed_at.is_(None))
        ).scalar_one()
    PARKED_OPEN.labels(service=service).set(parked)


def exposition() -> tuple[bytes, str]:
    """The registry in Prometheus text format, and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
