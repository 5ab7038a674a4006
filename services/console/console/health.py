"""The console's probes, on its own port like every service's: live (the
process answers), ready (its own database answers; the services it calls
are reported, not required, so one service down does not take every page
out of the load balancer) and metrics. The console uses no broker."""

from __future__ import annotations

import requests
import sqlalchemy as sa
from werkzeug.wrappers import Response

from rueda_backbone import metrics
from rueda_backbone.health import Probe
from rueda_backbone.web import json_response

from .gateway import endpoints_from_config


class ConsoleProbe(Probe):
    def answer(self):
        if self.url == "/health/live":
            return json_response(200, {"status": "ok", **self.versions})
        if self.url == "/metrics":
            body, content_type = metrics.exposition()
            return Response(body, status=200, content_type=content_type)
        report: dict = {}
        try:
            with self.store.transaction() as session:
                session.execute(sa.text("SELECT 1"))
            report["database"] = "ok"
        except Exception as exc:
            report["database"] = f"unreachable: {type(exc).__name__}"
        upstream = {}
        for name, endpoint in endpoints_from_config(self.container.config).items():
            try:
                answer = requests.get(f"{endpoint.url}/health/live", timeout=2)
                upstream[name] = "ok" if answer.status_code == 200 else f"HTTP {answer.status_code}"
            except requests.RequestException as exc:
                upstream[name] = f"unreachable: {type(exc).__name__}"
        report["services"] = upstream
        healthy = report["database"] == "ok"
        report["status"] = "ok" if healthy else "failing"
        return json_response(200 if healthy else 503, {**report, **self.versions})


def probes():
    """`health = probes()` in the service class."""

    def health(self, request):
        """Answered by `ConsoleProbe.answer`."""

    for url in ("/health", "/health/live", "/health/ready", "/metrics"):
        health = ConsoleProbe.decorator(url)(health)
    return health
