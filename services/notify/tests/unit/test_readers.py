"""The readers notify uses for newer schema versions, checked against the
producer's docs when they exist (the contract tests see only `READERS`)."""
import json
from pathlib import Path

import pytest

from notify import inbound

EVENTS = Path(__file__).resolve().parents[4] / "docs" / "events"


@pytest.mark.parametrize("key", sorted(inbound.BY_VERSION), ids=lambda k: f"{k[1]}.v{k[2]}")
def test_a_versioned_reader_reads_only_documented_fields(key):
    producer, event_type, version = key
    example = EVENTS / f"{event_type}.v{version}.example.json"
    if not example.exists():
        pytest.skip(f"{event_type} v{version} is not documented yet")
    schema = json.loads((EVENTS / f"{event_type}.v{version}.schema.json").read_text())
    reader = inbound.BY_VERSION[key]()
    assert set(reader.fields) <= set(schema["properties"])
    reader.load(json.loads(example.read_text())["payload"])


class Envelope:
    def __init__(self, producer, event_type, schema_version, payload):
        self.producer, self.event_type = producer, event_type
        self.schema_version, self.payload = schema_version, payload


def test_read_uses_the_richer_reader_for_a_newer_version_and_the_base_one_otherwise():
    contacts = {"delegation_id": "d1", "workshop_id": "w1", "version": 2, "contacts": [
        {"delegate_id": "a", "name": "Ana", "email": "ana@example.org", "language": "es",
         "is_focal_point": True}]}
    assert inbound.read(Envelope("intake", "delegation_contacts_updated", 2, contacts))["version"] == 2
    assert "version" not in inbound.read(Envelope("intake", "delegation_contacts_updated", 1, contacts))
