"""What every rueda service shares: the event envelope, the transactional
outbox and its relay, the inbox, retries and parking, logging, JSON HTTP.

Services depend on this package by version; they never import each other.
"""
from .consuming import PermanentFailure, event_handler
from .dependencies import Database
from .envelope import Envelope, Event
from .logs import LoggingContext
from .web import ApiError, Conflict, NotFound, json_http, read_json

__version__ = "0.1.0"

__all__ = [
    "ApiError", "Conflict", "Database", "Envelope", "Event", "LoggingContext", "NotFound",
    "PermanentFailure", "event_handler", "json_http", "read_json",
]
