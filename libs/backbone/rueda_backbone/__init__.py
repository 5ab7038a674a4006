"""What every rueda service shares: the event envelope, the transactional
outbox and its relay, the inbox, retries and parking, logging, JSON HTTP.

Services depend on this package by version; they never import each other.
"""

from .clock import Clock
from .consuming import PermanentFailure, event_handler
from .dependencies import BackgroundJob, Database
from .envelope import Envelope, Event, Published
from .errors import BadRequest, Conflict, DomainError, ErrorMapping, Forbidden, Invalid, NotFound
from .inbound import Inbound, consumes, event_handlers
from .logs import LoggingContext
from .web import ApiError, json_http, read_json

__version__ = "0.2.0"

__all__ = [
    "ApiError",
    "BackgroundJob",
    "BadRequest",
    "Clock",
    "Conflict",
    "Database",
    "DomainError",
    "Envelope",
    "ErrorMapping",
    "Event",
    "Forbidden",
    "Inbound",
    "Invalid",
    "LoggingContext",
    "NotFound",
    "PermanentFailure",
    "Published",
    "consumes",
    "event_handler",
    "event_handlers",
    "json_http",
    "read_json",
]
