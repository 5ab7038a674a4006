"""A throw-away SQLite unit of work per test, the events webhooks reads as
envelopes, and the example receiver loaded from examples/integrations/."""

import importlib.util
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rueda_backbone.envelope import Envelope, Event
from rueda_backbone.testing import sqlite_unit_of_work
from webhooks.models import Base
from webhooks.settings import Settings

NOW = datetime(2026, 5, 20, 13, 0, tzinfo=UTC)
EXAMPLE = Path(__file__).resolve().parents[4] / "examples" / "integrations" / "webhook_receiver.py"


def load_receiver_example():
    spec = importlib.util.spec_from_file_location("webhook_receiver_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def uow(tmp_path):
    with sqlite_unit_of_work(tmp_path / "db.sqlite3", Base.metadata, producer="webhooks") as uow:
        yield uow


def public_dns(host, port):
    """A resolver that puts every name on a public address (no DNS in unit tests)."""
    return ["93.184.215.14"]


SETTINGS = Settings(resolve=public_dns)


def envelope(
    event_type="activity_status_changed", producer="followup", *, event_id=None, **payload
):
    payload = payload or {
        "activity_id": "a1",
        "from_state": "proposed",
        "to_state": "under_review",
        "reason": "first\nsecond line",
    }
    return Envelope.wrap(
        Event(event_type, payload, 1),
        producer=producer,
        correlation_id="corr-1",
        occurred_at=NOW,
        event_id=event_id,
    )
