"""The input policy names the field at fault whatever characters the keys
of the input hold (found by fuzzing: `{"": "\\u0001"}` in a body, or `?=%15` in
a query, was a 500)."""

import pytest
from marshmallow import ValidationError, fields

from rueda_backbone.envelope import flatten_errors
from rueda_backbone.fields import CONTROL_MESSAGE, InputSchema, Reader


class Form(InputSchema):
    title = fields.String()
    scores = fields.Dict(keys=fields.String(), values=fields.Integer())
    topics = fields.List(fields.String())


class Tolerant(Reader):
    title = fields.String()


def refused(schema, data):
    with pytest.raises(ValidationError) as refusal:
        schema().load(data)
    return refusal.value.messages


@pytest.mark.parametrize("key", ["", ".", "[]", "[0]", "a.b", "a[1].c", "\x00"])
def test_an_odd_unknown_key_with_a_control_character_is_refused_under_its_own_name(key):
    for schema in (Form, Tolerant):
        assert refused(schema, {key: "x\x01"}) == {key: [CONTROL_MESSAGE]}


def test_odd_keys_inside_a_value_keep_their_names_and_never_collide():
    messages = refused(
        Form, {"scores": {"a": "\x01", "a.b": "\x01", "": "\x01"}, "topics": ["ok", "\x02"]}
    )
    assert messages == {
        "scores": {"a": [CONTROL_MESSAGE], "a.b": [CONTROL_MESSAGE], "": [CONTROL_MESSAGE]},
        "topics": {1: [CONTROL_MESSAGE]},
    }
    assert ("topics[1]", CONTROL_MESSAGE) in flatten_errors(messages)


def test_a_top_level_key_that_reads_as_a_path_does_not_collide_with_a_field():
    assert refused(Form, {"title": "\x01", "title.x": "\x01"}) == {
        "title": [CONTROL_MESSAGE],
        "title.x": [CONTROL_MESSAGE],
    }
