"""Independent upgrades: a producer may not change an event in a way a
current consumer cannot read, and a breaking change goes out under a new
event name, published side by side with the old one until consumers moved
(docs/events/README.md, deploy/README.md).

- Every field a consumer's reader requires, removed, renamed or retyped in
  the documented example, makes that reader refuse the event: the example
  check in test_event_contracts.py therefore fails on any such change.
- The JSON Schemas of one event type never lose or retype a required field
  from one version file to the next (additive changes only), and every reader
  can read every documented version.
- Side by side, on the real broker: a producer publishes the old and the new
  event in one transaction, a consumer that has not moved and one that has
  each get theirs once; a reader takes v1 and an additive v2 of one type.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from marshmallow import EXCLUDE, Schema, ValidationError, fields

from rueda_backbone import Database, Event, event_handler, tables
from rueda_backbone.database import Store
from rueda_backbone.outbox import OutboxRelay, UnitOfWork
from rueda_backbone.testing import publish_event, wait_for
from rueda_devkit import edges

EVENTS_DIR = Path(__file__).resolve().parents[2] / "docs" / "events"
SCHEMA_NAME = re.compile(r"^(?P<type>[a-z][a-z0-9_]*)\.v(?P<version>[1-9][0-9]*)\.schema\.json$")


def readers_of(example: dict) -> dict:
    """consumer -> the reader it really uses for this example's version."""
    return edges.readers_of(example["producer"], example["event_type"], example["schema_version"])


def examples() -> list[dict]:
    return [
        json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(EVENTS_DIR.glob("*.example.json"))
    ]


def schema_versions() -> dict[str, dict[int, dict]]:
    found: dict[str, dict[int, dict]] = {}
    for path in EVENTS_DIR.glob("*.schema.json"):
        match = SCHEMA_NAME.match(path.name)
        if match:
            found.setdefault(match["type"], {})[int(match["version"])] = json.loads(
                path.read_text()
            )
    return found


def required_readings():
    """(example, consumer, reader, field name) for every field a reader requires."""
    for example in examples():
        for consumer, reader in readers_of(example).items():
            for name, field in reader().fields.items():
                if field.required:
                    yield pytest.param(
                        example,
                        reader,
                        field.data_key or name,
                        field,
                        id=f"{example['event_type']}.v{example['schema_version']}"
                        f"-{consumer}-{field.data_key or name}",
                    )


READINGS = list(required_readings())


def wrong_type_for(field):
    # something no reasonable reading of the field accepts
    if isinstance(field, (fields.Integer, fields.Float, fields.Decimal, fields.Boolean)):
        return {"unexpected": "object"}
    return 42


def test_consumers_require_fields_of_the_documented_events():
    assert READINGS, "no consumer reads a documented event: nothing is protected"


@pytest.mark.parametrize("example, reader, name, field", READINGS)
def test_a_producer_removing_renaming_or_retyping_a_field_a_consumer_needs_is_refused(
    example, reader, name, field
):
    payload = example["payload"]
    reader().load(copy.deepcopy(payload))  # as documented: readable

    removed = copy.deepcopy(payload)
    del removed[name]
    renamed = copy.deepcopy(payload)
    renamed[f"{name}_v2"] = renamed.pop(name)
    for changed in (removed, renamed):
        with pytest.raises(ValidationError) as refusal:
            reader().load(changed)
        assert name in refusal.value.messages
    if type(field) is not fields.Raw:  # a Raw field takes any type by design
        retyped = copy.deepcopy(payload)
        retyped[name] = wrong_type_for(field)
        with pytest.raises(ValidationError):
            reader().load(retyped)


# -- schema versions of one event type ----------------------------------------


def json_type(subschema: dict, root: dict):
    """The JSON type a property holds (through local references), as a set."""
    while "$ref" in subschema:
        target = root
        for part in subschema["$ref"][2:].split("/"):
            target = target[part]
        subschema = target
    if "type" in subschema:
        kinds = subschema["type"]
        return set(kinds if isinstance(kinds, list) else [kinds])
    if "enum" in subschema:
        names = {
            str: "string",
            int: "integer",
            float: "number",
            bool: "boolean",
            type(None): "null",
            list: "array",
            dict: "object",
        }
        return {names[type(value)] for value in subschema["enum"]}
    return None


def breaking_changes(old: dict, new: dict) -> list[str]:
    """What a reader of `old` could not read in a message written to `new`:
    a required field removed, no longer required, or of another JSON type.
    (Tightening or loosening a format or an enum is left to the reader
    checks in test_event_contracts.py.)"""
    found = []
    old_properties, new_properties = old.get("properties", {}), new.get("properties", {})
    for name in old.get("required", []):
        if name not in new_properties:
            found.append(f"{name}: removed")
        elif name not in new.get("required", []):
            found.append(f"{name}: no longer required")
        else:
            was, now = json_type(old_properties[name], old), json_type(new_properties[name], new)
            if was is not None and now is not None and not now <= was:
                found.append(f"{name}: type {sorted(was)} became {sorted(now)}")
    for name in set(new.get("required", [])) - set(old.get("required", [])):
        if name not in old_properties:
            continue  # a new field: old readers ignore it
        found.append(f"{name}: became required")
    return found


SCHEMAS = schema_versions()


@pytest.mark.parametrize("event_type", sorted(SCHEMAS))
def test_each_new_version_of_an_event_only_adds_to_the_previous_one(event_type):
    versions = SCHEMAS[event_type]
    assert sorted(versions) == list(range(1, max(versions) + 1)), "versions are consecutive"
    for version in sorted(versions)[1:]:
        assert breaking_changes(versions[version - 1], versions[version]) == [], (
            f"{event_type} v{version} breaks v{version - 1}: publish a new event name instead"
        )


@pytest.mark.parametrize("event_type", sorted(SCHEMAS))
def test_the_version_check_catches_a_removed_renamed_or_retyped_required_field(event_type):
    latest = SCHEMAS[event_type][max(SCHEMAS[event_type])]
    name = latest["required"][0]
    removed = copy.deepcopy(latest)
    removed["required"].remove(name)
    del removed["properties"][name]
    renamed = copy.deepcopy(latest)
    renamed["required"][0] = f"{name}_v2"
    renamed["properties"][f"{name}_v2"] = renamed["properties"].pop(name)
    retyped = copy.deepcopy(latest)
    was = json_type(latest["properties"][name], latest) or set()
    retyped["properties"][name] = {"type": "object" if "object" not in was else "boolean"}
    for changed in (removed, renamed, retyped):
        assert breaking_changes(latest, changed)
    added = copy.deepcopy(latest)
    added["properties"]["new_optional_field"] = {"type": "string"}
    assert breaking_changes(latest, added) == []


# -- side by side on the real broker -------------------------------------------


class Seen(Schema):
    class Meta:
        unknown = EXCLUDE

    program_id = fields.String(required=True)


seen = sa.Table(
    "seen",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("reader", sa.String(40)),
    sa.Column("program_id", sa.String(40)),
    sa.Column("schema_version", sa.Integer),
)


def record(db, reader, event):
    payload = Seen().load(event.payload)
    with db.transaction() as uow:
        uow.session.execute(
            sa.insert(seen).values(
                reader=reader, program_id=payload["program_id"], schema_version=event.schema_version
            )
        )


class NotMovedService:
    """Still reads the old event."""

    name = "notmoved"
    db = Database()

    @event_handler("proposer", "program_submitted")
    def handle_program_submitted(self, event):
        record(self.db, "old", event)


class MovedService:
    """Moved to the new event, which replaced the old one after a breaking change."""

    name = "moved"
    db = Database()

    @event_handler("proposer", "program_profile_submitted")
    def handle_program_profile_submitted(self, event):
        record(self.db, "new", event)


@pytest.fixture
def config(service_config):
    engine = sa.create_engine(service_config["DATABASE_URL"])
    tables.metadata.create_all(engine)
    seen.metadata.create_all(engine)
    engine.dispose()
    return service_config


def seen_rows(config):
    with Store.for_url(config["DATABASE_URL"]).transaction() as session:
        return sorted(
            tuple(r)
            for r in session.execute(
                sa.select(seen.c.reader, seen.c.program_id, seen.c.schema_version)
            )
        )


@pytest.mark.broker
def test_old_and_new_event_published_side_by_side_reach_consumers_that_moved_and_that_did_not(
    container_factory, config
):
    # both consumers share one database here only to read their effects in one place
    for service in (NotMovedService, MovedService):
        container_factory(service, {**config, "OUTBOX_RELAY_ENABLED": False}).start()
    store = Store.for_url(config["DATABASE_URL"])
    with store.transaction() as session:
        UnitOfWork(session, producer="proposer", correlation_id="c").publish(
            Event("program_submitted", {"program_id": "p-1", "title": "PAA"}),
            Event("program_profile_submitted", {"program_id": "p-1", "profile": {"title": "PAA"}}),
        )
    relay = OutboxRelay(store, producer="proposer", amqp_uri=config["AMQP_URI"])
    assert relay.relay_once().published == 2  # both routable: no backlog builds up
    wait_for(lambda: len(seen_rows(config)) == 2, what="both consumers")
    assert seen_rows(config) == [("new", "p-1", 1), ("old", "p-1", 1)]


@pytest.mark.broker
def test_a_consumer_reads_v1_and_an_additive_v2_of_the_same_event(container_factory, config):
    container_factory(NotMovedService, config).start()
    publish_event(config["AMQP_URI"], "proposer", "program_submitted", {"program_id": "p-1"})
    publish_event(
        config["AMQP_URI"],
        "proposer",
        "program_submitted",
        {"program_id": "p-2", "summary": "a field v2 added"},
        version=2,
    )
    wait_for(lambda: len(seen_rows(config)) == 2, what="both versions")
    assert seen_rows(config) == [("old", "p-1", 1), ("old", "p-2", 2)]
