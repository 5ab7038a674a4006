"""Contract tests for the events documented in docs/events.

Every example must be exactly what its producer emits (its JSON Schema and
the producer's marshmallow schema both accept it, and the envelope round-trips
through the backbone), and every consumer's tolerant reader must load it. A
consumer may only read events, and fields, that the producer documents.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from marshmallow import ValidationError, fields

import intake.domain
from rueda_backbone.envelope import Envelope
from rueda_devkit import edges

EVENTS_DIR = Path(__file__).resolve().parents[2] / "docs" / "events"
EXAMPLE_NAME = re.compile(
    r"^(?P<event_type>[a-z][a-z0-9_]*)\.v(?P<version>[1-9][0-9]*)\.example\.json$"
)

SERVICES = edges.SERVICES


# every service declares what it publishes (schemas.PUBLISHED) and what it
# reads (inbound.CONSUMES); a service that has neither is simply absent
PRODUCERS = edges.published()
CONSUMERS = edges.consumed()


def load_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def validator(schema: dict) -> Draft202012Validator:
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def schema_errors(schema: dict, instance) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '$'}: {e.message}"
        for e in validator(schema).iter_errors(instance)
    ]


class Example:
    def __init__(self, path: Path):
        match = EXAMPLE_NAME.match(path.name)
        assert match, f"{path.name} is not named <event_type>.v<version>.example.json"
        self.path = path
        self.event_type = match["event_type"]
        self.version = int(match["version"])
        self.message = load_json(path)
        self.schema_path = EVENTS_DIR / f"{self.event_type}.v{self.version}.schema.json"

    @property
    def id(self) -> str:
        return f"{self.event_type}.v{self.version}"

    @property
    def producer(self) -> str:
        return self.message["producer"]

    @property
    def payload(self) -> dict:
        return copy.deepcopy(self.message["payload"])

    @property
    def schema(self) -> dict:
        return load_json(self.schema_path)

    def producer_schema(self):
        return PRODUCERS[self.producer][(self.event_type, self.version)]()

    def readers(self) -> dict:
        """consumer -> reader class, for every consumer of this event."""
        return edges.readers_of(self.producer, self.event_type, self.version)


EXAMPLES = [Example(path) for path in sorted(EVENTS_DIR.glob("*.example.json"))]
EXAMPLE_IDS = [example.id for example in EXAMPLES]
# events other systems publish to a rueda service (e.g. the portal's forms to
# intake) have a JSON Schema and an example but no producer code in this repository
OWN_EXAMPLES = [example for example in EXAMPLES if example.producer in SERVICES]
OWN_IDS = [example.id for example in OWN_EXAMPLES]
READINGS = [(example, consumer) for example in EXAMPLES for consumer in example.readers()]


def required_fields(example: Example) -> list[tuple[Example, str]]:
    # a missing schema file fails test_example_file_is_named_after_the_event_it_holds,
    # not the collection of every other test
    if not example.schema_path.is_file():
        return []
    return [(example, name) for name in example.schema["required"]]


# -- walking both kinds of schema -----------------------------------------------


def resolve(subschema: dict, root: dict) -> dict:
    while "$ref" in subschema:
        ref = subschema["$ref"]
        assert ref.startswith("#/"), f"only local references are expected, not {ref}"
        target = root
        for part in ref[2:].split("/"):
            target = target[part]
        subschema = target
    return subschema


def has_type(subschema: dict, name: str) -> bool:
    """`type: name` or `type: [name, "null"]` (a nullable one)."""
    types = subschema.get("type")
    return types == name or (isinstance(types, list) and name in types)


def object_schema_of(subschema: dict, root: dict) -> dict | None:
    """The object schema a property holds, directly or as its array's items."""
    subschema = resolve(subschema, root)
    if has_type(subschema, "array"):
        subschema = resolve(subschema["items"], root)
    return subschema if has_type(subschema, "object") else None


def nullable(subschema: dict, root: dict) -> bool:
    subschema = resolve(subschema, root)
    types = subschema.get("type", [])
    return "null" in (types if isinstance(types, list) else [types]) or None in subschema.get(
        "enum", []
    )


def nested_schema_of(field):
    if isinstance(field, fields.List):
        field = field.inner
    return field.schema if isinstance(field, fields.Nested) else None


def disagreements(mm_schema, json_schema: dict, root: dict, path: str = "payload") -> list[str]:
    """Where a marshmallow producer schema and a JSON Schema differ in fields,
    requiredness or nullability, recursively."""
    found = []
    properties = json_schema.get("properties", {})
    mm_fields = {field.data_key or name: field for name, field in mm_schema.fields.items()}
    for name in sorted(mm_fields.keys() - properties.keys()):
        found.append(f"{path}.{name}: in marshmallow only")
    for name in sorted(properties.keys() - mm_fields.keys()):
        found.append(f"{path}.{name}: in JSON Schema only")
    json_required = set(json_schema.get("required", []))
    for name in sorted(mm_fields.keys() & properties.keys()):
        field = mm_fields[name]
        if field.required != (name in json_required):
            found.append(
                f"{path}.{name}: required in marshmallow={field.required}, "
                f"in JSON Schema={name in json_required}"
            )
        if field.allow_none != nullable(properties[name], root):
            found.append(
                f"{path}.{name}: nullable in marshmallow={field.allow_none}, "
                f"in JSON Schema={nullable(properties[name], root)}"
            )
        nested = nested_schema_of(field)
        json_nested = object_schema_of(properties[name], root)
        if (nested is None) != (json_nested is None):
            found.append(f"{path}.{name}: an object in one schema only")
        elif nested is not None:
            found.extend(disagreements(nested, json_nested, root, f"{path}.{name}"))
    return found


def reader_assumptions(
    reader,
    json_schema: dict,
    root: dict,
    path: str = "payload",
    other_versions: frozenset = frozenset(),
) -> list[str]:
    """What a consumer's reader relies on that the producer does not promise.

    One reader may serve every version of an event: a field that only another
    version documents is fine as long as the reader does without it."""
    found = []
    properties = json_schema.get("properties", {})
    required = set(json_schema.get("required", []))
    for name, field in reader.fields.items():
        name = field.data_key or name
        if name not in properties:
            if name in other_versions and not field.required:
                continue
            found.append(f"{path}.{name}: read but not documented by the producer")
            continue
        if field.required and name not in required:
            found.append(f"{path}.{name}: required by the reader, optional for the producer")
        if not field.allow_none and nullable(properties[name], root):
            found.append(f"{path}.{name}: the producer may send null, the reader refuses it")
        nested = nested_schema_of(field)
        if nested is not None:
            json_nested = object_schema_of(properties[name], root)
            if json_nested is None:
                found.append(f"{path}.{name}: read as an object, documented as something else")
            else:
                found.extend(reader_assumptions(nested, json_nested, root, f"{path}.{name}"))
    return found


# subschemas that test a value rather than describe it: closing them would
# only change what they match
PREDICATES = {"contains", "not", "if"}


def object_schemas(subschema, where: str = "$"):
    """Every subschema describing an object, with where it sits."""
    if isinstance(subschema, dict):
        if has_type(subschema, "object") and "properties" in subschema:
            yield where, subschema
        for key, value in subschema.items():
            if key not in PREDICATES:
                yield from object_schemas(value, f"{where}/{key}")
    elif isinstance(subschema, list):
        for index, value in enumerate(subschema):
            yield from object_schemas(value, f"{where}/{index}")


# -- what is documented -----------------------------------------------------------


def test_every_event_a_producer_publishes_is_documented_with_a_schema_and_an_example():
    documented = {(example.producer, example.event_type, example.version) for example in EXAMPLES}
    for producer, published in PRODUCERS.items():
        for event_type, version in published:
            assert (producer, event_type, version) in documented, (
                f"{producer} publishes {event_type} v{version} without docs/events example"
            )
            assert (EVENTS_DIR / f"{event_type}.v{version}.schema.json").is_file()


def test_every_event_a_consumer_reads_is_documented():
    documented = {(example.producer, example.event_type) for example in EXAMPLES}
    for consumer, readers in CONSUMERS.items():
        undocumented = set(readers) - documented
        assert not undocumented, f"{consumer} reads undocumented events {sorted(undocumented)}"


def test_contact_details_are_read_by_notify_alone():
    readers = {
        consumer
        for consumer, readers in CONSUMERS.items()
        if ("intake", "delegation_contacts_updated") in readers
    }
    assert readers == {"notify"}


@pytest.mark.parametrize("example", EXAMPLES, ids=EXAMPLE_IDS)
def test_example_file_is_named_after_the_event_it_holds(example):
    assert example.message["event_type"] == example.event_type
    assert example.message["schema_version"] == example.version
    assert example.schema_path.is_file()


@pytest.mark.parametrize(
    "schema_path", sorted(EVENTS_DIR.glob("*.schema.json")), ids=lambda path: path.name
)
def test_every_json_schema_is_a_valid_draft_2020_12_schema(schema_path):
    schema = load_json(schema_path)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


# -- the envelope -------------------------------------------------------------------


@pytest.mark.parametrize("example", EXAMPLES, ids=EXAMPLE_IDS)
def test_example_envelope_matches_the_envelope_schema(example):
    assert schema_errors(load_json(EVENTS_DIR / "envelope.schema.json"), example.message) == []


@pytest.mark.parametrize("example", EXAMPLES, ids=EXAMPLE_IDS)
def test_example_envelope_is_exactly_what_the_backbone_writes(example):
    envelope = Envelope.from_dict(example.message)
    assert envelope.event_type == example.event_type
    assert envelope.to_dict() == example.message


def test_envelope_schema_documents_every_field_the_backbone_writes():
    schema = load_json(EVENTS_DIR / "envelope.schema.json")
    written = Envelope.from_dict(EXAMPLES[0].message).to_dict()
    assert set(schema["properties"]) == set(written)
    assert set(schema["required"]) == set(written)


# -- the producer's side ----------------------------------------------------------


@pytest.mark.parametrize("example", EXAMPLES, ids=EXAMPLE_IDS)
def test_example_payload_matches_its_json_schema(example):
    assert schema_errors(example.schema, example.payload) == []


@pytest.mark.parametrize("example", OWN_EXAMPLES, ids=OWN_IDS)
def test_example_payload_is_exactly_what_the_producer_schema_emits(example):
    producer_schema = example.producer_schema()
    loaded = producer_schema.load(example.payload)
    assert producer_schema.dump(loaded) == example.payload


@pytest.mark.parametrize("example", OWN_EXAMPLES, ids=OWN_IDS)
def test_json_schema_and_producer_schema_agree_on_fields_required_and_nullable(example):
    schema = example.schema
    assert disagreements(example.producer_schema(), schema, schema) == []


@pytest.mark.parametrize("example", EXAMPLES, ids=EXAMPLE_IDS)
def test_producer_json_schema_rejects_fields_it_does_not_document(example):
    open_objects = [
        where
        for where, subschema in object_schemas(example.schema)
        if subschema.get("additionalProperties") is not False
    ]
    assert open_objects == []


@pytest.mark.parametrize(
    "example,field",
    [pair for example in EXAMPLES for pair in required_fields(example)],
    ids=lambda value: value.id if isinstance(value, Example) else value,
)
def test_payload_missing_a_required_field_fails_the_producer_schemas(example, field):
    payload = example.payload
    del payload[field]
    assert any(
        error.startswith("$:") and repr(field) in error
        for error in schema_errors(example.schema, payload)
    )
    if example.producer in SERVICES:
        with pytest.raises(ValidationError):
            example.producer_schema().load(payload)
    for reader in example.readers().values():
        # a field the producer must send, a reader may still do without
        if reader().fields.get(field) is not None and reader().fields[field].required:
            with pytest.raises(ValidationError):
                reader().load(payload)


@pytest.mark.parametrize("example", EXAMPLES, ids=EXAMPLE_IDS)
def test_undocumented_field_fails_the_producer_schema_but_not_the_consumers(example):
    payload = example.payload
    payload["added_without_documenting"] = "x"
    assert schema_errors(example.schema, payload)
    for reader in example.readers().values():
        assert "added_without_documenting" not in reader().load(payload)


def test_every_event_from_another_system_has_a_rueda_consumer():
    for example in EXAMPLES:
        if example.producer not in SERVICES:
            assert example.readers(), (
                f"{example.id} comes from {example.producer} and nobody reads it"
            )


def test_documented_vocabularies_are_intakes():
    registered = load_json(EVENTS_DIR / "delegation_registered.v1.schema.json")
    contacts = load_json(EVENTS_DIR / "delegation_contacts_updated.v1.schema.json")
    program = load_json(EVENTS_DIR / "program_submitted.v1.schema.json")
    assert registered["$defs"]["language"]["enum"] == list(intake.domain.LANGUAGES)
    assert contacts["$defs"]["contact"]["properties"]["language"]["enum"] == list(
        intake.domain.LANGUAGES
    )
    assert registered["properties"]["kind"]["enum"] == list(intake.domain.DELEGATION_KINDS)
    topic = re.compile(program["properties"]["topics"]["items"]["pattern"])
    assert all(topic.match(slug) for slug in intake.domain.TOPICS)


# -- the consumers' side ----------------------------------------------------------


@pytest.mark.parametrize(
    "example,consumer", READINGS, ids=[f"{example.id}-{consumer}" for example, consumer in READINGS]
)
def test_every_consumer_reads_the_example(example, consumer):
    reader = example.readers()[consumer]
    reader().load(example.payload)


@pytest.mark.parametrize(
    "example,consumer", READINGS, ids=[f"{example.id}-{consumer}" for example, consumer in READINGS]
)
def test_consumers_rely_only_on_what_the_producer_promises(example, consumer):
    schema = example.schema
    other_versions = frozenset(
        name
        for other in EXAMPLES
        if other.event_type == example.event_type and other.producer == example.producer
        for name in other.schema.get("properties", {})
    )
    assert (
        reader_assumptions(
            example.readers()[consumer](), schema, schema, other_versions=other_versions
        )
        == []
    )
