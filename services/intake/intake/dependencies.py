"""intake's own DependencyProviders (the database, clock and logging context
come from the backbone)."""

from __future__ import annotations

import structlog
from nameko.extensions import DependencyProvider
from nameko.web.handlers import HttpRequestHandler


class RequestLog(DependencyProvider):
    """One log line per HTTP request that changed something, once it is
    answered: method, path and status only, since a form's contents may
    carry personal data. Reads are not logged: they are many and change
    nothing."""

    def setup(self):
        self.log = structlog.get_logger(self.container.service_name)

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        # runs in the worker, before LoggingContext clears the correlation id
        if exc_info is not None or not isinstance(worker_ctx.entrypoint, HttpRequestHandler):
            return
        request = worker_ctx.args[0]
        if request.method == "GET":
            return
        status = result[0] if isinstance(result, tuple) else 200
        self.log.info("request.done", method=request.method, path=request.path, status=status)
