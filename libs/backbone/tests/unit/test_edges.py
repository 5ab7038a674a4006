"""The consumer table, the error mapping and the published-events catalogue,
without a broker."""

from datetime import UTC, datetime

import pytest
from marshmallow import EXCLUDE, Schema, fields

from rueda_backbone import (
    Clock,
    Conflict,
    Database,
    DomainError,
    ErrorMapping,
    Inbound,
    Invalid,
    NotFound,
    Published,
    consumes,
    event_handler,
    event_handlers,
)
from rueda_backbone.envelope import Envelope, Event
from rueda_backbone.inbound import UnsupportedVersion
from rueda_backbone.web import error_body


class ThingV1(Schema):
    class Meta:
        unknown = EXCLUDE

    thing_id = fields.String(required=True)


class ThingV2(ThingV1):
    colour = fields.String(required=True)


def record_thing(message, *, uow, now):
    uow.seen.append((message, now))


TABLE = Inbound(consumes("maker", "thing_made", {1: ThingV1, 2: ThingV2}, use_case=record_thing))


def envelope(version, payload):
    return Envelope.wrap(Event("thing_made", payload, version), producer="maker")


def test_each_version_is_read_by_its_own_reader():
    assert TABLE.read(envelope(1, {"thing_id": "t", "colour": "red"})) == {"thing_id": "t"}
    assert TABLE.read(envelope(2, {"thing_id": "t", "colour": "red"})) == {
        "thing_id": "t",
        "colour": "red",
    }


def test_a_version_the_table_does_not_name_is_a_permanent_failure_newer_ones_too():
    with pytest.raises(
        UnsupportedVersion,
        match=r"v99 is not a version this service reads "
        r"\(v1, v2\); upgrade it, then replay",
    ):
        TABLE.read(envelope(99, {"thing_id": "t", "colour": "red"}))
    table = Inbound(consumes("maker", "thing_made", {2: ThingV2}, use_case=record_thing))
    with pytest.raises(UnsupportedVersion, match=r"v1 is not"):
        table.read(envelope(1, {"thing_id": "t"}))


def test_two_rows_for_one_event_type_are_refused():
    with pytest.raises(ValueError, match="share the handler handle_thing_made"):
        Inbound(
            consumes("maker", "thing_made", ThingV1, use_case=record_thing),
            consumes("other", "thing_made", ThingV1, use_case=record_thing),
        )


def test_the_decorator_adds_one_named_handler_per_row_and_records_the_table():
    @event_handlers(TABLE)
    class Service:
        name = "svc"
        db = Database()
        clock = Clock()

    entrypoints = Service.handle_thing_made.nameko_entrypoints
    (entrypoint,) = entrypoints
    assert (entrypoint.producer, entrypoint.event_type) == ("maker", "thing_made")
    assert Service.inbound is TABLE
    assert "record_thing" in Service.handle_thing_made.__doc__


def test_a_hand_written_handler_beside_the_table_is_refused():
    with pytest.raises(TypeError, match="declare handle_other in inbound.py"):

        @event_handlers(TABLE)
        class Service:
            name = "svc"
            db = Database()
            clock = Clock()

            @event_handler("maker", "other_made")
            def handle_other(self, event):
                pass


def test_a_row_that_wakes_a_dependency_the_class_lacks_is_refused():
    table = Inbound(
        consumes("maker", "thing_made", ThingV1, use_case=record_thing, wakes="planner")
    )
    with pytest.raises(TypeError, match="no `planner`"):

        @event_handlers(table)
        class Service:
            name = "svc"
            db = Database()
            clock = Clock()


class DeadlinePassed(Conflict):
    code = "deadline_passed"


def test_the_mapping_takes_the_most_specific_status_and_defaults_for_the_rest():
    mapping = ErrorMapping(status={DeadlinePassed: 403}, retried=(NotFound,))
    assert mapping.status_of(DeadlinePassed("late")) == 403
    assert mapping.status_of(Conflict("no")) == 409
    assert mapping.status_of(Invalid.field("a.b", "bad")) == 422
    assert mapping.status_of(NotFound("where")) == 404
    assert mapping.status_of(DomainError("any")) == 422
    assert mapping.is_retried(NotFound("later")) and not mapping.is_retried(Conflict("no"))


def test_an_error_answer_is_translated_field_by_field():
    mapping = ErrorMapping(
        translate=lambda message, language: f"[{language}] {message}", negotiate=lambda header: "es"
    )
    status, body = error_body(
        Invalid.field("delegates[1].email", "not an email"), mapping, mapping.language_of("es-CO")
    )
    assert status == 422
    assert body == {
        "error": "invalid",
        "message": "[es] some fields are invalid",
        "fields": [{"path": "delegates[1].email", "message": "[es] not an email"}],
    }


def test_a_domain_error_describes_itself_for_a_parked_message():
    error = DeadlinePassed("the deadline passed", [{"path": "program", "message": "late"}])
    assert error.describe() == "deadline_passed: the deadline passed (program: late)"


class ThingMade(Schema):
    thing_id = fields.String(required=True)
    made_at = fields.AwareDateTime(required=True)


class ThingMadeV1(Schema):
    thing_id = fields.String(required=True)


def test_an_event_is_always_labelled_with_the_version_whose_schema_shaped_it():
    published = Published({("thing_made", 1): ThingMadeV1, ("thing_made", 2): ThingMade})
    made_at = datetime(2027, 10, 24, 9, tzinfo=UTC)
    event = published.event("thing_made", {"thing_id": "t", "made_at": made_at, "extra": 1})
    assert (event.type, event.version) == ("thing_made", 2)
    assert event.payload == {"thing_id": "t", "made_at": "2027-10-24T09:00:00+00:00"}
    assert published.current == {"thing_made": 2}
    with pytest.raises(KeyError, match="thing_lost"):
        published.event("thing_lost", {})
