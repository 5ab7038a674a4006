"""What each service publishes and consumes, read from the services' own
declarations (`schemas.PUBLISHED`, `inbound.CONSUMES`), for the tools that
check or derive from them: the broker definitions, the contract tests and
the test that holds the catalogue, the handlers and the definitions together.
"""

from __future__ import annotations

import importlib

SERVICES = ("intake", "matching", "followup", "notify", "webhooks")


def inbound_tables() -> dict:
    """service -> its `Inbound` table (services that consume nothing are absent)."""
    found = {}
    for service in SERVICES:
        try:
            module = importlib.import_module(f"{service}.inbound")
        except ModuleNotFoundError:
            continue
        if hasattr(module, "CONSUMES"):
            found[service] = module.CONSUMES
    return found


def consumed() -> dict:
    """service -> {(producer, event type): its table's row}."""
    return {
        service: {(row.producer, row.event_type): row for row in table}
        for service, table in inbound_tables().items()
    }


def published() -> dict:
    """service -> {(event type, version): schema} of what it publishes."""
    found = {}
    for service in SERVICES:
        try:
            module = importlib.import_module(f"{service}.schemas")
        except ModuleNotFoundError:
            continue
        if hasattr(module, "PUBLISHED"):
            found[service] = module.PUBLISHED
    return found


def readers_of(producer: str, event_type: str, version: int) -> dict:
    """consumer -> the reader class it really uses for that version; a
    consumer that does not read that version is absent (test_consumer_edge
    holds every consumer to the versions its producer publishes now)."""
    found = {}
    for service, rows in consumed().items():
        row = rows.get((producer, event_type))
        if row is not None and version in row.readers:
            found[service] = row.reader_for(version)
    return found
