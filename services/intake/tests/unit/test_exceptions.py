"""intake's one error mapping: each refusal keeps its code and status, and
its message and every field's come in the caller's language."""

from datetime import UTC, datetime

from marshmallow import ValidationError

from intake.exceptions import ERRORS, DeadlinePassed, invalid_fields
from rueda_backbone import Conflict, Invalid, NotFound
from rueda_backbone.web import error_body

DEADLINE = datetime(2027, 9, 30, 4, 59, tzinfo=UTC)


def test_a_passed_deadline_is_a_409_deadline_passed_in_the_callers_language():
    status, body = error_body(
        DeadlinePassed("programs", DEADLINE), ERRORS, ERRORS.language_of("es-CO, en;q=0.5")
    )
    assert (status, body["error"]) == (409, "deadline_passed")
    assert body["message"].startswith("el plazo para programs de este taller venció")


def test_every_field_message_is_translated_too():
    exc = Invalid.field("delegation_id", "no delegation is registered with this id")
    status, body = error_body(exc, ERRORS, "pt")
    assert (status, body["error"], body["message"]) == (
        422,
        "invalid",
        "alguns campos são inválidos",
    )
    assert body["fields"] == [
        {"path": "delegation_id", "message": "não há nenhuma delegação registrada com este id"}
    ]


def test_the_other_refusals_keep_their_codes_and_statuses():
    assert error_body(NotFound("no workshop w"), ERRORS)[0:1] == (404,)
    assert error_body(NotFound("no workshop w"), ERRORS)[1]["error"] == "not_found"
    assert error_body(Conflict("already withdrew"), ERRORS)[1]["error"] == "conflict"
    assert error_body(Conflict("already withdrew"), ERRORS)[0] == 409


def test_field_errors_found_in_a_use_case_keep_marshmallows_paths():
    exc = invalid_fields(
        ValidationError(
            {"programs": {2: ["no submitted program"]}, "round": {"table": ["too far"]}}
        )
    )
    assert exc.fields == [
        {"path": "programs[2]", "message": "no submitted program"},
        {"path": "round.table", "message": "too far"},
    ]
