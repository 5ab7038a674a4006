"""structlog set-up and the correlation id that follows a request everywhere.

The correlation id comes from the first HTTP request (`X-Correlation-ID`, or a
new one), is stored with every outbox row, travels in every envelope, is bound
by every handler and ends up in the headers of the last email. Logs are JSON
in production and key=value locally; never log email addresses or whole
payloads at info level.
"""

from __future__ import annotations

import logging
import sys

import structlog
from nameko.extensions import DependencyProvider

from .envelope import new_correlation_id, valid_correlation_id

CORRELATION_HEADER = "X-Correlation-ID"
_configured = False


def configure_logging(fmt: str = "console", level: str = "INFO") -> None:
    """Route structlog and the standard library (nameko, kombu) through one formatter."""
    global _configured
    shared = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    renderer = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    _configured = True


def correlation_id_of(worker_ctx) -> str:
    """The worker's correlation id: from the event, the HTTP request, or new."""
    data = worker_ctx.data  # context_data is a copy
    value = data.get("correlation_id")
    if valid_correlation_id(value):
        return value
    request = worker_ctx.args[0] if worker_ctx.args else None
    header = getattr(getattr(request, "headers", None), "get", lambda _k: None)(CORRELATION_HEADER)
    value = header if valid_correlation_id(header) else new_correlation_id()
    data["correlation_id"] = value
    return value


class LoggingContext(DependencyProvider):
    """Binds service, entrypoint and correlation id to every log line of a worker."""

    def setup(self):
        config = self.container.config
        if not _configured:
            configure_logging(
                str(config.get("LOG_FORMAT") or "console"), str(config.get("LOG_LEVEL") or "INFO")
            )

    def worker_setup(self, worker_ctx):
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(
            service=self.container.service_name,
            entrypoint=worker_ctx.entrypoint.method_name,
            correlation_id=correlation_id_of(worker_ctx),
        )

    def worker_teardown(self, worker_ctx):
        structlog.contextvars.clear_contextvars()

    def get_dependency(self, worker_ctx):
        return structlog.get_logger(self.container.service_name)
