"""Events other systems publish (the portal's forms, counterparts' updates)
may come as rueda envelopes or as CloudEvents 1.0, structured or binary:
every documented example, in both CloudEvents modes, becomes the same
envelope and is read by every consumer exactly as the envelope is; events
leaving the suite, written as CloudEvents, are valid ones."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft7Validator

from rueda_backbone.cloud_events import envelope_from_message, to_structured
from rueda_backbone.envelope import Envelope, InvalidEnvelope
from rueda_devkit import edges

EVENTS_DIR = Path(__file__).resolve().parents[2] / "docs" / "events"
NAME = re.compile(r"^(?P<type>[a-z][a-z0-9_]*)\.v(?P<version>\d+)\.example\.json$")
EXAMPLES = [json.loads(p.read_text()) for p in sorted(EVENTS_DIR.glob("*.example.json"))]
OUTSIDE = [e for e in EXAMPLES if e["producer"] not in edges.SERVICES]
OWN = [e for e in EXAMPLES if e["producer"] in edges.SERVICES]
# the attribute rules of the CloudEvents 1.0 spec's JSON schema
CLOUDEVENT = {
    "type": "object",
    "required": ["id", "source", "specversion", "type"],
    "properties": {
        "id": {"type": "string", "minLength": 1},
        "source": {"type": "string", "format": "uri-reference", "minLength": 1},
        "specversion": {"const": "1.0"},
        "type": {"type": "string", "minLength": 1},
        "datacontenttype": {"type": "string"},
        "dataschema": {"type": "string", "format": "uri"},
        "time": {"type": "string", "format": "date-time"},
    },
    "propertyNames": {"pattern": "^[a-z0-9]{1,20}$"},
}


def ident(example):
    return f"{example['event_type']}.v{example['schema_version']}"


def structured(example) -> bytes:
    return json.dumps(
        {
            "specversion": "1.0",
            "id": example["event_id"],
            "source": "https://portal.example.org",
            "type": f"org.example.portal.{example['event_type']}",
            "time": example["occurred_at"],
            "datacontenttype": "application/json",
            "correlationid": example["correlation_id"],
            "schemaversion": example["schema_version"],
            "data": example["payload"],
        }
    ).encode()


def binary(example) -> tuple[bytes, dict]:
    return json.dumps(example["payload"]).encode(), {
        "ce-specversion": "1.0",
        "ce-id": example["event_id"],
        "ce-source": "/portal",
        "ce-type": example["event_type"],
        "ce-time": example["occurred_at"],
        "ce-correlationid": example["correlation_id"],
        "ce-schemaversion": str(example["schema_version"]),
    }


@pytest.mark.parametrize("example", OUTSIDE, ids=ident)
def test_both_cloud_event_modes_become_the_envelope_the_consumers_read(example):
    envelope = Envelope.from_dict(example)
    as_structured = envelope_from_message(
        structured(example),
        headers={},
        content_type="application/cloudevents+json",
        producer=example["producer"],
    )
    body, headers = binary(example)
    as_binary = envelope_from_message(
        body, headers=headers, content_type="application/json", producer=example["producer"]
    )
    for received in (as_structured, as_binary):
        assert (
            received.event_id,
            received.event_type,
            received.schema_version,
            received.correlation_id,
            received.payload,
        ) == (
            envelope.event_id,
            envelope.event_type,
            envelope.schema_version,
            envelope.correlation_id,
            envelope.payload,
        )
        readers = edges.readers_of(received.producer, received.event_type, received.schema_version)
        assert readers, f"nobody reads {ident(example)}"
        for reader in readers.values():
            assert reader().load(received.payload) == reader().load(envelope.payload)


@pytest.mark.parametrize("example", OUTSIDE, ids=ident)
def test_a_cloud_event_without_its_data_object_is_refused(example):
    event = json.loads(structured(example))
    event["data"] = "not an object"
    with pytest.raises(InvalidEnvelope):
        envelope_from_message(
            json.dumps(event).encode(),
            headers={},
            content_type="application/cloudevents+json",
            producer="portal",
        )


@pytest.mark.parametrize("example", OWN, ids=ident)
def test_every_event_leaving_the_suite_is_a_valid_cloud_event(example):
    event = to_structured(Envelope.from_dict(example))
    validator = Draft7Validator(CLOUDEVENT, format_checker=Draft7Validator.FORMAT_CHECKER)
    assert [e.message for e in validator.iter_errors(event)] == []
    assert event["data"] == example["payload"]
    assert event["dataschema"].endswith(f"/{ident(example)}.schema.json")
