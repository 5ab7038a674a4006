"""CloudEvents 1.0 read at the edge into rueda envelopes, and rueda events
written as CloudEvents, checked against the CloudEvents JSON schema."""

import json
from datetime import UTC, datetime

import pytest
from jsonschema import Draft7Validator

from rueda_backbone.cloud_events import envelope_from_message, is_cloud_event, to_structured
from rueda_backbone.envelope import Envelope, Event, InvalidEnvelope

# the CloudEvents 1.0.2 spec's JSON schema (cloudevents/spec, cloudevents/formats/cloudevents.json),
# trimmed to the attribute rules it states
CLOUDEVENTS_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "required": ["id", "source", "specversion", "type"],
    "properties": {
        "id": {"type": "string", "minLength": 1},
        "source": {"type": "string", "format": "uri-reference", "minLength": 1},
        "specversion": {"type": "string", "minLength": 1},
        "type": {"type": "string", "minLength": 1},
        "datacontenttype": {"type": ["string", "null"], "minLength": 1},
        "dataschema": {"type": ["string", "null"], "format": "uri", "minLength": 1},
        "subject": {"type": ["string", "null"], "minLength": 1},
        "time": {"type": ["string", "null"], "format": "date-time", "minLength": 1},
    },
    "propertyNames": {"pattern": "^[a-z0-9]{1,20}$"},
}

FORM = {"title": "Food Acquisition Program", "delegation_id": "d-1"}


def structured(**overrides):
    event = {
        "specversion": "1.0",
        "id": "ce-1",
        "source": "https://portal.example.org",
        "type": "org.example.portal.program_form_submitted",
        "time": "2027-10-24T09:00:00Z",
        "datacontenttype": "application/json",
        "correlationid": "corr-1",
        "data": FORM,
        **overrides,
    }
    return json.dumps(event).encode()


def test_a_structured_cloud_event_becomes_the_envelope_a_reader_expects():
    envelope = envelope_from_message(
        structured(), headers={}, producer="portal", content_type="application/cloudevents+json"
    )
    assert (envelope.event_id, envelope.event_type, envelope.schema_version) == (
        "ce-1",
        "program_form_submitted",
        1,
    )
    assert (envelope.producer, envelope.correlation_id) == ("portal", "corr-1")
    assert envelope.occurred_at == datetime(2027, 10, 24, 9, tzinfo=UTC)
    assert envelope.payload == FORM


def test_a_binary_cloud_event_reads_its_attributes_from_ce_headers():
    headers = {
        "ce-specversion": "1.0",
        "ce-id": "ce-2",
        "ce-source": "/portal",
        "ce-type": "program_form_submitted",
        "ce-schemaversion": "2",
    }
    envelope = envelope_from_message(
        json.dumps(FORM).encode(),
        headers=headers,
        content_type="application/json",
        producer="portal",
    )
    assert (envelope.event_id, envelope.event_type, envelope.schema_version) == (
        "ce-2",
        "program_form_submitted",
        2,
    )
    assert envelope.payload == FORM


def test_the_version_may_come_from_the_dataschema():
    body = structured(dataschema="https://x.example/program_form_submitted.v3.schema.json")
    envelope = envelope_from_message(
        body, headers={}, producer="portal", content_type="application/cloudevents+json"
    )
    assert envelope.schema_version == 3


def test_a_rueda_envelope_is_still_read_as_before():
    envelope = Envelope.wrap(Event("program_form_submitted", FORM), producer="portal")
    assert not is_cloud_event({"schema_version": 1}, "application/json")
    assert (
        envelope_from_message(
            envelope.to_json(), headers={}, content_type="application/json", producer="portal"
        )
        == envelope
    )


@pytest.mark.parametrize(
    "body, headers, reason",
    [
        (structured(id=None), {}, "not a valid CloudEvent"),
        (
            structured(type="org.example.ProgramFormSubmitted"),
            {},
            "does not end in a rueda event type",
        ),
        (structured(data=[1, 2]), {}, "must be a JSON object"),
        (structured(datacontenttype="text/plain", data="hello"), {}, "must be JSON"),
        (structured(correlationid="has spaces in it"), {}, "correlationid"),
        (structured(schemaversion="two"), {}, "not a whole number"),
        (b"{not json", {}, "not a valid CloudEvent"),
        (
            b"{}",
            {"ce-specversion": "1.0", "ce-type": "program_form_submitted"},
            "not a valid CloudEvent",
        ),
    ],
)
def test_a_malformed_cloud_event_is_refused_with_its_reason(body, headers, reason):
    content_type = "application/json" if headers else "application/cloudevents+json"
    with pytest.raises(InvalidEnvelope, match=reason):
        envelope_from_message(body, headers=headers, content_type=content_type, producer="portal")


def test_a_rueda_event_written_as_a_cloud_event_is_valid_and_reads_back_the_same():
    envelope = Envelope.wrap(
        Event("activity_status_changed", {"activity_id": "a-1"}, 2),
        producer="followup",
        correlation_id="corr-9",
    )
    event = to_structured(envelope)
    errors = list(
        Draft7Validator(
            CLOUDEVENTS_SCHEMA, format_checker=Draft7Validator.FORMAT_CHECKER
        ).iter_errors(event)
    )
    assert errors == []
    assert event["type"] == "org.rueda.followup.activity_status_changed"
    assert event["dataschema"].endswith("/activity_status_changed.v2.schema.json")
    back = envelope_from_message(
        json.dumps(event).encode(),
        headers={},
        producer="followup",
        content_type="application/cloudevents+json",
    )
    assert back.payload == envelope.payload and back.schema_version == 2
    assert back.correlation_id == "corr-9" and back.event_id == envelope.event_id
