"""Health of a service: its database and broker reachable, its outbox not stuck."""
from __future__ import annotations

import sqlalchemy as sa
from kombu import Connection

from .outbox import backlog
from .web import json_http

DEFAULT_MAX_BACKLOG = 1000


def check(store, *, amqp_uri: str, ssl=None, max_backlog: int = DEFAULT_MAX_BACKLOG) -> tuple[bool, dict]:
    report: dict = {}
    try:
        with store.transaction() as session:
            session.execute(sa.text("SELECT 1"))
        report["database"] = "ok"
        report["outbox"] = backlog(store)
    except Exception as exc:
        report["database"] = f"unreachable: {type(exc).__name__}"
    try:
        with Connection(amqp_uri, ssl=ssl, connect_timeout=3) as connection:
            connection.ensure_connection(max_retries=1)
        report["broker"] = "ok"
    except Exception as exc:
        report["broker"] = f"unreachable: {type(exc).__name__}"
    healthy = (report["database"] == "ok" and report["broker"] == "ok"
               and report["outbox"]["pending"] <= max_backlog)
    report["status"] = "ok" if healthy else "failing"
    return healthy, report


def health_endpoint():
    """A public `GET /health` for a service class whose Database is `db`."""

    @json_http("GET", "/health", public=True)
    def health(self, request):
        healthy, report = self.db.health()
        return (200 if healthy else 503), report

    return health
