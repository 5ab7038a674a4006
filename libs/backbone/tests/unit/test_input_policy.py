"""The input policy every edge shares (rueda_backbone.fields)."""

import pytest
from marshmallow import ValidationError, fields

from rueda_backbone.fields import AwareDateTime, Date, HeaderSafeEmail, InputSchema, Reader, Text


class Person(InputSchema):
    name = fields.String(required=True)
    email = HeaderSafeEmail()


class Form(InputSchema):
    title = fields.String(required=True)
    objectives = Text()
    topics = fields.List(fields.String())
    notes = fields.List(Text())
    starts_at = AwareDateTime()
    starts_on = Date()
    people = fields.List(fields.Nested(Person))
    extra = fields.Dict()


def errors(data, schema=Form):
    with pytest.raises(ValidationError) as refusal:
        schema().load(data)
    return refusal.value.messages


def test_good_input_passes_and_text_keeps_its_lines():
    form = Form().load(
        {
            "title": "PAA",
            "objectives": "one\nTwo\r\n\tthree",
            "notes": ["a\nb"],
            "people": [{"name": "Ana", "email": "ana@x.org"}],
        }
    )
    assert form["objectives"] == "one\nTwo\r\n\tthree"


@pytest.mark.parametrize(
    "data, path",
    [
        ({"title": "P\x00AA"}, ["title"]),
        ({"title": "PAA", "objectives": "x\x00"}, ["objectives"]),
        ({"title": "PAA", "topics": ["ok", "bad\x07"]}, ["topics", 1]),
        ({"title": "PAA", "extra": {"k": "v\x00"}}, ["extra", "k"]),
        ({"title": "PAA", "people": [{"name": "A\x00na"}]}, ["people", 0, "name"]),
    ],
)
def test_nul_and_other_control_characters_are_refused_where_they_are(data, path):
    found = errors(data)
    for key in path:
        found = found[key]
    assert found == ["must not contain control characters (such as NUL)"]


@pytest.mark.parametrize("value", ["two\nlines", "two\rlines", "two\u2028lines"])
def test_line_breaks_are_refused_in_one_line_fields(value):
    assert errors({"title": value}) == {"title": ["must be a single line"]}
    assert errors({"title": "ok", "people": [{"name": value}]}) == {
        "people": {0: {"name": ["must be a single line"]}}
    }


@pytest.mark.parametrize(
    "value",
    [
        "9999-12-31T23:00:00-05:00",
        "0001-01-01T00:01:00+00:05",
        "2300-01-01T00:00:00+00:00",
        "1899-12-31T23:59:00+00:00",
    ],
)
def test_instants_out_of_range_are_refused_not_a_server_error(value):
    assert errors({"title": "x", "starts_at": value}) == {
        "starts_at": ["must be between 1900 and 2199"]
    }


def test_dates_out_of_range_are_refused():
    assert errors({"title": "x", "starts_on": "0001-01-01"}) == {
        "starts_on": ["must be between 1900 and 2199"]
    }


@pytest.mark.parametrize(
    "address",
    ["=?utf-8?q?x?=@example.org", '"a b"@example.org', "a@b@example.org", "ana@localhost"],
)
def test_addresses_that_cannot_go_into_a_header_are_refused_with_a_clear_message(address):
    message = errors({"name": "Ana", "email": address}, Person)["email"][0]
    assert "email" in message or "header" in message


def test_a_reader_ignores_unknown_fields_but_not_controls():
    class Seen(Reader):
        name = fields.String()

    assert Seen().load({"name": "x", "other": 1}) == {"name": "x"}
    with pytest.raises(ValidationError):
        Seen().load({"name": "x\x00"})
