"""notify's inbound table: the reader it uses for each version of each event,
checked against the producer's docs when they exist."""

import json
from pathlib import Path

import pytest

from notify import inbound
from rueda_backbone.inbound import UnsupportedVersion

EVENTS = Path(__file__).resolve().parents[4] / "docs" / "events"
VERSIONED = [
    (row.producer, row.event_type, version) for row in inbound.CONSUMES for version in row.versions
]


@pytest.mark.parametrize("key", VERSIONED, ids=lambda k: f"{k[1]}.v{k[2]}")
def test_each_versions_reader_reads_only_documented_fields(key):
    producer, event_type, version = key
    example = EVENTS / f"{event_type}.v{version}.example.json"
    if not example.exists():
        pytest.skip(f"{event_type} v{version} is not documented yet")
    schema = json.loads((EVENTS / f"{event_type}.v{version}.schema.json").read_text())
    reader = inbound.CONSUMES.reader_for(producer, event_type, version)()
    assert set(reader.fields) <= set(schema["properties"])
    reader.load(json.loads(example.read_text())["payload"])


class Envelope:
    def __init__(self, producer, event_type, schema_version, payload):
        self.producer, self.event_type = producer, event_type
        self.schema_version, self.payload = schema_version, payload


CONTACTS = {
    "delegation_id": "d1",
    "workshop_id": "w1",
    "version": 2,
    "contacts": [
        {
            "delegate_id": "a",
            "name": "Ana",
            "email": "ana@example.org",
            "language": "es",
            "is_focal_point": True,
        }
    ],
}


def test_each_version_is_read_by_its_own_reader_and_an_undeclared_one_is_refused():
    def read(version):
        return inbound.CONSUMES.read(
            Envelope("intake", "delegation_contacts_updated", version, CONTACTS)
        )

    assert read(2)["version"] == 2
    assert "version" not in read(1)
    # a version notify does not declare is parked, not read as an older one
    with pytest.raises(UnsupportedVersion, match="v3 is not a version"):
        read(3)


def test_every_documented_version_of_a_form_notify_reads_is_in_its_table():
    assert inbound.CONSUMES.row("intake", "program_submitted").versions == (1, 2, 3)
    assert inbound.CONSUMES.row("intake", "delegation_contacts_updated").versions == (1, 2)
