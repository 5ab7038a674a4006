"""AsyncAPI 3.0 documents for every service: what it publishes and what it
consumes, one channel per exchange and routing key, one message per schema
version, each with its JSON Schema and example.

    python -m rueda_devkit.asyncapi            # write docs/api/<service>.asyncapi.json and .html
                                               # and the copy each service serves
    python -m rueda_devkit.asyncapi --check    # exit 1 when a committed document is stale

Built from the services' own declarations (`schemas.PUBLISHED`,
`inbound.CONSUMES`) and the committed payload schemas and examples in
docs/events, which the contract tests hold to the marshmallow schemas; so the
documents cannot drift from the code. tests/contract/test_asyncapi.py
validates each against the AsyncAPI 3.0.0 JSON Schema.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path

from rueda_backbone.asyncapi import render_html

from . import edges

ROOT = Path(__file__).resolve().parents[3]
EVENTS_DIR = ROOT / "docs" / "events"
API_DIR = ROOT / "docs" / "api"
VHOST = "rueda"

DESCRIPTIONS = {
    "intake": "The front door: workshops, delegations and the four forms. Publishes every "
    "form's lifecycle on intake.events; reads the forms other systems publish on "
    "portal.events.",
    "matching": "Builds the negotiation rounds. Reads intake's forms; publishes each "
    "schedule revision on matching.events.",
    "followup": "Follows every cooperation activity. Reads intake's and matching's events and "
    "the counterparts' updates on portal.events; publishes the activities' life on "
    "followup.events.",
    "notify": "Sends the emails. Reads the events that say who must be told what; publishes "
    "nothing.",
    "webhooks": "Posts the events outside systems may read to the URLs they registered, "
    "signed (Standard Webhooks) as CloudEvents; publishes nothing.",
}


def _load(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def _strip(schema: dict) -> dict:
    return {k: v for k, v in schema.items() if not k.startswith("$")}


def _key(*parts) -> str:
    """AsyncAPI map keys allow letters, digits, _ and - only."""
    return "_".join(str(p).replace(".", "_") for p in parts)


def _message(producer: str, event_type: str, version: int, envelope: dict) -> dict:
    name = f"{event_type}.v{version}"
    payload = _load(EVENTS_DIR / f"{name}.schema.json")
    example_path = EVENTS_DIR / f"{name}.example.json"
    body = copy.deepcopy(_strip(envelope))
    body["properties"]["payload"] = _strip(payload)
    body["properties"]["event_type"] = {"const": event_type}
    body["properties"]["schema_version"] = {"const": version}
    message = {
        "name": event_type,
        "title": f"{event_type} v{version}",
        "summary": payload.get("description", "")[:300] or f"{event_type} v{version}",
        "contentType": "application/json",
        "correlationId": {
            "location": "$message.payload#/correlation_id",
            "description": "follows one request through every service's logs",
        },
        "headers": {
            "type": "object",
            "properties": {"schema_version": {"type": "integer", "const": version}},
        },
        "payload": body,
        "bindings": {
            "amqp": {
                "contentEncoding": "utf-8",
                "messageType": event_type,
                "bindingVersion": "0.3.0",
            }
        },
    }
    if example_path.exists():
        message["examples"] = [
            {"name": "example", "summary": f"a documented {name}", "payload": _load(example_path)}
        ]
    return message


def _channel(producer: str, event_type: str, versions, message_keys) -> dict:
    return {
        "address": event_type,
        "title": f"{producer}.events / {event_type}",
        "description": f"Exchange `{producer}.events` (topic), routing key `{event_type}`.",
        "messages": {key: {"$ref": f"#/components/messages/{key}"} for key in message_keys},
        "bindings": {
            "amqp": {
                "is": "routingKey",
                "bindingVersion": "0.3.0",
                "exchange": {
                    "name": f"{producer}.events",
                    "type": "topic",
                    "durable": True,
                    "autoDelete": False,
                    "vhost": VHOST,
                },
            }
        },
    }


def document(service: str) -> dict:
    envelope = _load(EVENTS_DIR / "envelope.schema.json")
    published = edges.published().get(service, {})
    table = edges.inbound_tables().get(service)
    retired = set(getattr(published, "retired", ()))
    sends: dict[tuple[str, str], list[int]] = {}
    for event_type, version in published:
        if (event_type, version) not in retired:
            sends.setdefault((service, event_type), []).append(version)
    receives = {(row.producer, row.event_type): list(row.versions) for row in (table or ())}
    channels, operations, messages = {}, {}, {}
    for action, subscriptions in (("send", sends), ("receive", receives)):
        for (producer, event_type), versions in sorted(subscriptions.items()):
            keys = [_key(event_type, f"v{v}") for v in sorted(versions)]
            for version, key in zip(sorted(versions), keys, strict=True):
                messages.setdefault(key, _message(producer, event_type, version, envelope))
            channel_key = _key(producer, "events", event_type)
            channels[channel_key] = _channel(producer, event_type, versions, keys)
            verb = "publish" if action == "send" else "consume"
            operations[_key(verb, event_type)] = {
                "action": action,
                "channel": {"$ref": f"#/channels/{channel_key}"},
                "summary": (
                    f"{service} publishes {event_type} (outbox, publisher confirms, mandatory)"
                    if action == "send"
                    else f"{service} consumes {event_type} from its queue "
                    f"{service}.handle_{event_type}; what it cannot take is parked "
                    f"with the reason"
                ),
                "messages": [{"$ref": f"#/channels/{channel_key}/messages/{key}"} for key in keys],
            }
    return {
        "asyncapi": "3.0.0",
        "id": f"urn:rueda:{service}",
        "info": {
            "title": f"rueda {service}: events",
            "version": _version(service),
            "description": DESCRIPTIONS[service] + " Every message is a rueda envelope "
            "(docs/events/envelope.schema.json); outside systems may also publish "
            "CloudEvents 1.0 (docs/integrations.md).",
            "license": {"name": "Apache-2.0", "url": "https://www.apache.org/licenses/LICENSE-2.0"},
        },
        "defaultContentType": "application/json",
        "servers": {
            "rabbitmq": {
                "host": "rabbitmq:5672",
                "protocol": "amqp",
                "protocolVersion": "0-9-1",
                "pathname": f"/{VHOST}",
                "description": "one broker user per service and outside system (deploy/rabbitmq)",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


def _version(service: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(f"rueda-{service}")
    except PackageNotFoundError:
        return "0.0.0"


def paths(service: str) -> tuple[Path, Path, Path]:
    """The committed document and page, and the copy the service serves
    (`/asyncapi.json`, `/docs/events`) from its own package."""
    return (
        API_DIR / f"{service}.asyncapi.json",
        API_DIR / f"{service}.asyncapi.html",
        ROOT / "services" / service / service / "asyncapi.json",
    )


def rendered(service: str) -> tuple[str, str, str]:
    doc = document(service)
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    return text, render_html(doc), text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m rueda_devkit.asyncapi", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    stale = []
    for service in edges.SERVICES:
        for path, text in zip(paths(service), rendered(service), strict=True):
            if args.check:
                if not path.exists() or path.read_text(encoding="utf-8") != text:
                    stale.append(path)
            else:
                path.write_text(text, encoding="utf-8")
    if stale:
        print(
            "stale: "
            + ", ".join(str(p.relative_to(ROOT)) for p in stale)
            + " (python -m rueda_devkit.asyncapi)",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
