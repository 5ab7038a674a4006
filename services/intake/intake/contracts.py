"""intake's published contracts, generated from its marshmallow schemas:

- docs/events/<event>.v<N>.schema.json for every event intake publishes
  (except the retired v1 files, written by hand before this generator) and
  for every form other systems may publish to it;
- docs/api/asyncapi.json (AsyncAPI 2.6): every event intake publishes and
  consumes, with its envelope, payload schema and example;
- docs/api/openapi.json (see `intake.api`).

`python -m intake.contracts` rewrites them; tests fail when a committed file
differs from what this module generates, so the documents cannot drift.
`python -m intake.contracts --examples` also rewrites the example messages,
from a real run of the use cases on a throw-away database.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from . import api, inbound, schemas

ROOT = Path(__file__).resolve().parents[3]
EVENTS_DIR = ROOT / "docs" / "events"
ASYNCAPI = ROOT / "docs" / "api" / "asyncapi.json"

# written by hand before the generator; kept as documentation of what was sent
RETIRED = schemas.PUBLISHED.retired

# (event type, version) -> (producer, reader) for every version of every row
CONSUMED = {
    (row.event_type, version): (row.producer, reader)
    for row in inbound.CONSUMES
    for version, reader in row.readers.items()
}

TITLES = {
    "workshop_published": "A workshop's grid and deadlines, re-published whole on every change.",
    "delegation_registered": "A delegation registered (or revised its registration) for a workshop; no email addresses.",
    "delegation_contacts_updated": "How to reach a delegation's delegates (complete list). Personal data: for notify only.",
    "delegation_withdrawn": "A delegation withdrew from its workshop.",
    "delegate_erased": "A delegate asked to be forgotten: drop their name and email.",
    "staff_member_registered": "A member of the secretariat's staff (no email).",
    "staff_contacts_updated": "How to reach a staff member. Personal data: for notify only.",
    "program_submitted": "A revision of a program profile (supply) was submitted.",
    "program_withdrawn": "A program profile was withdrawn.",
    "program_reviewed": "The secretariat accepted or returned a revision of a program profile.",
    "submission_reminder_requested": "The secretariat asks a delegation to submit the forms it has not submitted yet.",
    "interest_submitted": "A revision of a programmatic interest form (demand) was submitted.",
    "interest_withdrawn": "A programmatic interest form was withdrawn.",
    "expression_of_interest_submitted": "An expression of interest (a proposed cooperation activity) was submitted or revised.",
    "expression_of_interest_withdrawn": "An expression of interest was withdrawn.",
    "delegation_form_submitted": "Another system submits or revises a delegation registration.",
    "program_form_submitted": "Another system submits or revises a program profile.",
    "interest_form_submitted": "Another system submits or revises a programmatic interest form.",
    "expression_of_interest_form_submitted": "Another system submits or revises an expression of interest.",
}


def _converter():
    plugin = MarshmallowPlugin(schema_name_resolver=lambda _schema: None)  # inline nested
    APISpec(title="intake events", version="1", openapi_version="3.1.0", plugins=[plugin])
    return plugin.converter


def _close(node):
    """Producers are strict: every object documents all its properties."""
    if isinstance(node, dict):
        types = node.get("type")
        if (
            types == "object"
            or (isinstance(types, list) and "object" in types)
            or "properties" in node
        ):
            node["additionalProperties"] = False
        for value in node.values():
            _close(value)
    elif isinstance(node, list):
        for value in node:
            _close(value)
    return node


def _schemas() -> dict[tuple[str, int], tuple[str, type]]:
    """(event type, version) -> (producer, marshmallow schema) for every generated file."""
    out = {key: ("intake", cls) for key, cls in schemas.PUBLISHED.items() if key not in RETIRED}
    out.update(CONSUMED)
    return out


def event_json_schema(event_type: str, version: int) -> dict:
    producer, cls = _schemas()[(event_type, version)]
    body = _close(_converter().schema2jsonschema(cls()))
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:rueda:events:{producer}:{event_type}:v{version}",
        "title": f"{event_type} v{version} (payload)",
        "description": TITLES[event_type]
        + (
            ""
            if producer == "intake"
            else f" Published by other systems to the exchange {producer}.events; intake reads it "
            "with the same rules as its HTTP API."
        ),
        **body,
    }


def _load(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def _documented() -> list[tuple[str, int, str]]:
    """(event type, version, producer) for intake's side of the AsyncAPI document:
    what it publishes today and what it consumes."""
    current = [(t, v, "intake") for (t, v) in schemas.PUBLISHED if (t, v) not in RETIRED]
    consumed = [(t, v, producer) for (t, v), (producer, _reader) in CONSUMED.items()]
    return current + consumed


def asyncapi() -> dict:
    """The AsyncAPI document, built from the committed docs/events files."""
    envelope = _load(EVENTS_DIR / "envelope.schema.json")
    channels, messages = {}, {}
    for event_type, version, producer in _documented():
        name = f"{event_type}.v{version}"
        payload_schema = _load(EVENTS_DIR / f"{name}.schema.json")
        example = _load(EVENTS_DIR / f"{name}.example.json")
        message_schema = copy.deepcopy({k: v for k, v in envelope.items() if not k.startswith("$")})
        message_schema["properties"]["payload"] = {
            k: v for k, v in payload_schema.items() if not k.startswith("$")
        }
        message_schema["properties"]["event_type"] = {"const": event_type}
        message_schema["properties"]["schema_version"] = {"const": version}
        messages[name] = {
            "name": event_type,
            "title": payload_schema["title"],
            "summary": payload_schema["description"],
            "contentType": "application/json",
            "headers": {
                "type": "object",
                "properties": {"schema_version": {"type": "integer", "const": version}},
            },
            "payload": message_schema,
            "examples": [{"name": "example", "payload": example}],
            "bindings": {
                "amqp": {
                    "contentEncoding": "utf-8",
                    "messageType": event_type,
                    "bindingVersion": "0.2.0",
                }
            },
        }
        operation = "subscribe" if producer == "intake" else "publish"
        channels[f"{producer}.events/{event_type}"] = {
            "description": f"Exchange {producer}.events, routing key {event_type}.",
            operation: {
                "operationId": f"{'publish' if producer == 'intake' else 'consume'}_{event_type}",
                "summary": (
                    "intake publishes this; subscribe with a queue bound by the routing key"
                    if producer == "intake"
                    else "other systems publish this; intake consumes it (invalid ones are parked)"
                ),
                "message": {"$ref": f"#/components/messages/{name}"},
            },
            "bindings": {
                "amqp": {
                    "is": "routingKey",
                    "bindingVersion": "0.2.0",
                    "exchange": {
                        "name": f"{producer}.events",
                        "type": "topic",
                        "durable": True,
                        "autoDelete": False,
                        "vhost": "/",
                    },
                }
            },
        }
    return {
        "asyncapi": "2.6.0",
        "id": "urn:rueda:intake",
        "info": {
            "title": "rueda intake events",
            "version": api.VERSION,
            "description": (
                "Every event intake publishes (exchange intake.events) and every form other systems "
                "may publish to it (exchange portal.events). Each message is a rueda envelope "
                "(docs/events/envelope.schema.json) whose payload is described per event type; "
                "docs/events/README.md explains the fields."
            ),
        },
        "servers": {
            "rabbitmq": {
                "url": "amqp://127.0.0.1:5672/",
                "protocol": "amqp",
                "protocolVersion": "0-9-1",
            }
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "components": {"messages": messages},
    }


def _dump(path: Path, document) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_schemas() -> None:
    for event_type, version in _schemas():
        _dump(
            EVENTS_DIR / f"{event_type}.v{version}.schema.json",
            event_json_schema(event_type, version),
        )


def main(argv: list[str]) -> int:
    write_schemas()
    if "--examples" in argv:
        from .examples import write_examples

        write_examples(EVENTS_DIR)
    _dump(ASYNCAPI, asyncapi())
    api.write()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
