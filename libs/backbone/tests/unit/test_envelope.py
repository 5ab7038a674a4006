import json

import pytest

from rueda_backbone.envelope import Envelope, Event, InvalidEnvelope, describe_errors


def test_envelope_round_trips_through_json():
    envelope = Envelope.wrap(
        Event("program_submitted", {"program_id": "p1"}, 2),
        producer="intake",
        correlation_id="abc-123",
    )
    again = Envelope.from_json(envelope.to_json())
    assert again == envelope
    assert again.schema_version == 2 and again.producer == "intake"


def test_envelope_ignores_fields_a_newer_producer_adds():
    data = Envelope.wrap(Event("program_submitted", {}), producer="intake").to_dict()
    data["tenant"] = "oas"
    assert Envelope.from_dict(data).event_type == "program_submitted"


@pytest.mark.parametrize(
    "body, expected",
    [
        (b"\xff\xfe not json", "not JSON"),
        (b"[1, 2]", "$"),
        (json.dumps({"event_type": "program_submitted"}).encode(), "event_id"),
        (
            json.dumps(
                {
                    "event_id": "x",
                    "event_type": "Bad Type",
                    "schema_version": 1,
                    "occurred_at": "2026-01-01T00:00:00Z",
                    "producer": "intake",
                    "correlation_id": "c",
                    "payload": {},
                }
            ).encode(),
            "event_type",
        ),
        (
            json.dumps(
                {
                    "event_id": "x",
                    "event_type": "program_submitted",
                    "schema_version": "1",
                    "occurred_at": "2026-01-01T00:00:00Z",
                    "producer": "intake",
                    "correlation_id": "c",
                    "payload": {},
                }
            ).encode(),
            "schema_version",
        ),
    ],
)
def test_a_body_that_is_not_an_envelope_is_refused_with_the_field_named(body, expected):
    with pytest.raises(InvalidEnvelope) as caught:
        Envelope.from_json(body)
    assert expected in str(caught.value)


def test_event_names_must_be_past_tense_snake_case_entity_verb():
    with pytest.raises(ValueError):
        Event("SubmitProgram", {})


def test_nested_errors_are_flattened_to_paths():
    messages = {
        "delegates": {0: {"email": ["Not a valid email address."]}},
        "title": ["Missing data for required field."],
    }
    text = describe_errors(messages)
    assert "delegates[0].email: Not a valid email address." in text
    assert "title: Missing data for required field." in text


def test_a_correlation_id_with_a_trailing_newline_is_not_valid():
    from rueda_backbone.envelope import valid_correlation_id

    assert valid_correlation_id("abc-123")
    assert not valid_correlation_id("abc-123\n")
    assert not valid_correlation_id("abc 123")


def test_an_envelope_whose_correlation_id_or_type_ends_in_a_newline_is_refused():
    import pytest

    from rueda_backbone.envelope import Envelope, Event, InvalidEnvelope

    good = Envelope.wrap(Event("thing_made", {}), producer="maker").to_dict()
    for field, value in (("correlation_id", "abc\n"), ("event_type", "thing_made\n")):
        with pytest.raises(InvalidEnvelope, match=field):
            Envelope.from_dict({**good, field: value})
