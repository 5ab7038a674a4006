"""matching's edges under the backbone's one input policy (issue 12): request
bodies refuse unknown fields, control characters and line breaks; intake's
events with a line break in a one-line field or an instant out of range are
refused with the field at fault (the consumer edge parks them)."""

import pytest
from marshmallow import ValidationError

from matching import inbound, schemas

from .conftest import T0, WORKSHOP


@pytest.mark.parametrize(
    "body, path",
    [
        ({"pins": [{"program_id": "a\x00b", "session": 1}]}, ("pins", 0, "program_id")),
        ({"pins": [{"program_id": "a\nb", "session": 1}]}, ("pins", 0, "program_id")),
        ({"pins": [], "time_limit": 5, "fairness": "total"}, ("fairness",)),
    ],
)
def test_a_schedule_request_with_unsafe_text_or_unknown_fields_is_refused(body, path):
    with pytest.raises(ValidationError) as refused:
        schemas.SCHEDULE_REQUEST.load(body)
    node = refused.value.messages
    for key in path:
        node = node[key]
    assert node


def test_the_publish_request_refuses_a_schedule_id_with_a_line_break():
    with pytest.raises(ValidationError) as refused:
        schemas.PUBLISH_REQUEST.load({"schedule_id": "abc\r\n"})
    assert "schedule_id" in refused.value.messages


@pytest.mark.parametrize("value", ["total", {"price": 0}, {"price": 0.05}, {"price": 1}, None])
def test_fairness_policies_staff_may_set(value):
    loaded = schemas.FAIRNESS_FORM.load({"fairness": value})["fairness"]
    assert loaded == (value if not isinstance(value, dict) else {"price": float(value["price"])})


@pytest.mark.parametrize(
    "value",
    [
        "Total",
        {"price": -0.1},
        {"price": 1.5},
        {"price": True},
        {"price": "0.05"},
        {"price": 0.05, "floor": 1},
        0.05,
        [],
    ],
)
def test_fairness_policies_staff_may_not_set(value):
    with pytest.raises(ValidationError) as refused:
        schemas.FAIRNESS_FORM.load({"fairness": value})
    assert "fairness" in refused.value.messages


def program(**changes):
    return {
        "program_id": "p1",
        "workshop_id": WORKSHOP,
        "delegation_id": "d1",
        "version": 1,
        "title": "Bolsa Familia",
        "topics": [],
        "submitted_at": T0.isoformat(),
        **changes,
    }


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"title": "Bolsa\nFamilia"}, "title"),
        ({"title": "Bolsa\x00Familia"}, "title"),
        ({"submitted_at": "9999-12-31T23:59:00-05:00"}, "submitted_at"),
        ({"submitted_at": "1850-01-01T00:00:00+00:00"}, "submitted_at"),
    ],
)
def test_an_event_with_a_bad_one_line_field_or_instant_is_refused_by_its_reader(changes, field):
    with pytest.raises(ValidationError) as refused:
        inbound.ProgramSubmitted().load(program(**changes))
    assert field in refused.value.messages
    assert inbound.ProgramSubmitted().load(program(unknown_field="ignored"))["title"]
