"""One table per service says what it consumes (`inbound.CONSUMES`); the
handlers, the readers, the broker definitions and docs/events/CATALOGUE.md
must all say the same. Adding a subscription means adding a row: everything
else follows from it, and this test fails when something does not."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from marshmallow import EXCLUDE, Schema

from rueda_backbone.consuming import EventHandler
from rueda_devkit import definitions, edges

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "docs" / "events" / "CATALOGUE.md"
EVENTS_DIR = ROOT / "docs" / "events"
SECTION = re.compile(r"^## .*\(exchange `(?P<producer>[a-z][a-z0-9_-]*)\.events`\)")
TABLES = edges.inbound_tables()


def catalogue() -> dict:
    """(producer, event type) -> {"version": int, "read_by": set of services}."""
    rows, producer = {}, None
    for line in CATALOGUE.read_text(encoding="utf-8").splitlines():
        heading = SECTION.match(line)
        if heading:
            producer = heading["producer"]
            continue
        if producer is None or not line.startswith("| `"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        names, version, read_by = cells[0], cells[1], cells[-1]
        readers = {service for service in edges.SERVICES if re.search(rf"\b{service}\b", read_by)}
        for event_type in re.findall(r"`([a-z][a-z0-9_]*)`", names):
            rows[(producer, event_type)] = {"version": int(version), "read_by": readers}
    return rows


CATALOGUED = catalogue()


def test_every_service_declares_its_subscriptions_in_one_table():
    assert set(TABLES) == set(edges.SERVICES)


@pytest.mark.parametrize("service", edges.SERVICES)
def test_the_service_class_has_exactly_the_handlers_its_table_declares(service):
    cls = definitions.service_class(service)
    handlers = sorted(
        (name, entrypoint.producer, entrypoint.event_type)
        for name in dir(cls)
        for entrypoint in getattr(getattr(cls, name), "nameko_entrypoints", ())
        if isinstance(entrypoint, EventHandler)
    )
    assert handlers == TABLES[service].subscriptions()
    assert cls.inbound is TABLES[service]


@pytest.mark.parametrize("service", edges.SERVICES)
def test_every_reader_is_a_tolerant_marshmallow_schema(service):
    for row in TABLES[service]:
        assert row.versions, row
        for version, reader in row.readers.items():
            assert isinstance(reader, type) and issubclass(reader, Schema), (row, version)
            assert reader.Meta.unknown == EXCLUDE, f"{reader.__name__} must ignore unknown fields"


@pytest.mark.parametrize("service", edges.SERVICES)
def test_every_version_a_table_reads_is_documented(service):
    for row in TABLES[service]:
        for version in row.versions:
            assert (EVENTS_DIR / f"{row.event_type}.v{version}.schema.json").is_file(), (
                f"{service} reads {row.event_type} v{version}, which has no JSON Schema"
            )


def test_every_consumer_reads_the_version_its_producer_publishes_now():
    published = edges.published()
    for service, table in TABLES.items():
        for row in table:
            if row.producer in published:
                current = published[row.producer].current[row.event_type]
            else:  # an outside system: the newest documented version
                current = max(
                    int(p.name.split(".v")[1].split(".")[0])
                    for p in EVENTS_DIR.glob(f"{row.event_type}.v*.schema.json")
                )
            assert current in row.versions, (
                f"{service} reads {row.event_type} v{', v'.join(map(str, row.versions))}; "
                f"{row.producer} publishes v{current}: add a reader row"
            )


def test_the_catalogue_names_every_consumer_the_tables_declare_and_no_other():
    declared = {}
    for service, table in TABLES.items():
        for row in table:
            declared.setdefault((row.producer, row.event_type), set()).add(service)
    for key, consumers in declared.items():
        assert key in CATALOGUED, f"{key[0]}/{key[1]} is consumed but not in CATALOGUE.md"
        assert CATALOGUED[key]["read_by"] == consumers, (
            f"CATALOGUE.md says {key[1]} is read by {sorted(CATALOGUED[key]['read_by'])}, "
            f"the inbound tables say {sorted(consumers)}"
        )
    for key, row in CATALOGUED.items():
        if key not in declared:
            assert not row["read_by"], f"CATALOGUE.md says {key[1]} is read by {row['read_by']}"


def test_the_catalogue_gives_the_current_version_each_producer_publishes():
    for service, published in edges.published().items():
        for event_type, version in published.current.items():
            if event_type in getattr(published, "retired", ()):
                continue
            key = (service, event_type)
            assert key in CATALOGUED, f"{service} publishes {event_type}, not in CATALOGUE.md"
            assert CATALOGUED[key]["version"] == version, (
                f"CATALOGUE.md gives {event_type} v{CATALOGUED[key]['version']}, "
                f"{service} publishes v{version}"
            )


def test_the_broker_definitions_give_each_service_exactly_its_tables_subscriptions():
    generated = definitions.generate()
    committed = json.loads(definitions.DEFINITIONS_FILE.read_text())
    assert committed == generated, "python -m rueda_devkit.definitions --write"
    bindings = {(b["source"], b["destination"], b["routing_key"]) for b in generated["bindings"]}
    topics = {(t["user"], t["exchange"]): t["read"] for t in generated["topic_permissions"]}
    for service, table in TABLES.items():
        for handler, producer, event_type in table.subscriptions():
            assert (f"{producer}.events", f"{service}.{handler}", event_type) in bindings
            if producer != service:
                assert re.fullmatch(topics[(service, f"{producer}.events")], event_type)
        queues = {
            b[1] for b in bindings if b[0].endswith(".events") and b[1].startswith(f"{service}.")
        }
        assert queues == {f"{service}.{row.handler}" for row in table}
