"""Health of a service and its metrics, on the service's own HTTP port.

- `GET /health/live`: the process and its eventlet hub answer. A liveness
  probe must not depend on the broker or the database: restarting a pod
  because RabbitMQ is down fixes nothing and loses in-flight work.
- `GET /health/ready` (and `/health`, kept for the compose healthchecks):
  database and broker reachable, outbox backlog at most `OUTBOX_MAX_BACKLOG`.
- `GET /metrics`: Prometheus text format (see `metrics`), with
  `rueda_build_info{version, backbone_version}`.
Every probe's JSON also says the service's and the backbone's versions, so
ops see what runs where during a rolling upgrade.

These answer without a nameko worker, so a pool of busy workers does not make
a healthy pod look dead.
"""

from __future__ import annotations

import sqlalchemy as sa
import structlog
from kombu import Connection
from werkzeug.wrappers import Response

from . import metrics
from .outbox import backlog
from .web import JsonHttp, json_response

log = structlog.get_logger(__name__)

DEFAULT_MAX_BACKLOG = 1000


def check(
    store, *, amqp_uri: str, ssl=None, max_backlog: int = DEFAULT_MAX_BACKLOG
) -> tuple[bool, dict]:
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
    healthy = (
        report["database"] == "ok"
        and report["broker"] == "ok"
        and report["outbox"]["pending"] <= max_backlog
    )
    if report["database"] == "ok" and report["outbox"]["pending"] > max_backlog:
        report["outbox"]["over_threshold"] = max_backlog
    report["status"] = "ok" if healthy else "failing"
    return healthy, report


class Probe(JsonHttp):
    """A public GET answered by the entrypoint itself, not by a worker."""

    def __init__(self, url, **kwargs):
        super().__init__("GET", url, public=True, **kwargs)

    def handle_request(self, request):
        try:
            return self.answer()
        except Exception as exc:  # a probe reports, it never raises a 500 page
            log.warning("probe.failed", path=self.url, error=f"{type(exc).__name__}: {exc}")
            return json_response(503, {"status": "failing", "error": type(exc).__name__})

    def setup(self):
        super().setup()
        self.versions = metrics.versions(self.container.service_name)
        metrics.BUILD_INFO.labels(service=self.container.service_name, **self.versions).set(1)

    def answer(self):
        config = self.container.config
        if self.url == "/health/live":
            return json_response(200, {"status": "ok", **self.versions})
        if self.url == "/metrics":
            metrics.refresh_gauges(self.container.service_name, self.store)
            body, content_type = metrics.exposition()
            return Response(body, status=200, content_type=content_type)
        healthy, report = check(
            self.store,
            amqp_uri=config["AMQP_URI"],
            ssl=config.get("AMQP_SSL"),
            max_backlog=int(config.get("OUTBOX_MAX_BACKLOG") or DEFAULT_MAX_BACKLOG),
        )
        return json_response(200 if healthy else 503, {**report, **self.versions})


PROBE_URLS = ("/health", "/health/live", "/health/ready", "/metrics")


def health_endpoint():
    """`/health`, `/health/live`, `/health/ready` and `/metrics` for a service:
    `health = health_endpoint()` in its class."""

    def health(self, request):
        """Answered by `Probe.answer`; nameko needs a method to hang it on."""

    for url in PROBE_URLS:
        health = Probe.decorator(url)(health)
    return health
