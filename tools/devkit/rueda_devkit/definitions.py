"""The RabbitMQ definitions file, generated from the services' code.

    python -m rueda_devkit.definitions                # print it
    python -m rueda_devkit.definitions --write        # deploy/rabbitmq/definitions.json
    python -m rueda_devkit.definitions --check        # exit 1 if the file is stale

It imports the four service classes, reads the table each declares in its
`inbound.py` (`cls.inbound`, set by `rueda_backbone.event_handlers`) and builds what the backbone would declare at start (`rueda_backbone.topology`
with its default retry delays and delivery limit) plus one broker user per
service with only the rights that service needs:

- configure: its own objects (`^<svc>\\.`);
- write: its own objects (publish on `<svc>.events`, its retry and dead
  exchanges; bind its own queues);
- read: its own queues, and the exchanges of the producers it consumes from
  (binding a queue needs read on the source exchange);
- topic permissions on each producer's exchange: it may bind only the event
  types it has a handler for, so no service can quietly subscribe to, say,
  `delegation_contacts_updated`, which carries emails meant for notify.

Passwords are not in the file: users come with an empty password hash and
ops set each one from that service's Secret (deploy/README.md).
"""
from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
from pathlib import Path

from rueda_backbone.consuming import EventHandler
from rueda_backbone.topology import Topology, events_exchange

SERVICE_CLASSES = {
    "intake": "intake.service:IntakeService",
    "matching": "matching.service:MatchingService",
    "followup": "followup.service:FollowupService",
    "notify": "notify.service:NotifyService",
}
ROOT = Path(__file__).resolve().parents[3]
DEFINITIONS_FILE = ROOT / "deploy" / "rabbitmq" / "definitions.json"
DEFAULT_VHOST = "rueda"
NOTHING = "^$"


def service_class(service: str):
    module, _, name = SERVICE_CLASSES[service].partition(":")
    return getattr(importlib.import_module(module), name)


def event_handlers(cls) -> list[tuple[str, str, str]]:
    """(handler method, producer, event type) for every subscription of a
    service class: its inbound table's rows, or the `event_handler` methods of
    a class without one (a test's own service)."""
    table = getattr(cls, "inbound", None)
    if table is not None:
        return table.subscriptions()
    found = []
    for attribute in sorted(dir(cls)):
        for entrypoint in getattr(getattr(cls, attribute), "nameko_entrypoints", ()):
            if isinstance(entrypoint, EventHandler):
                found.append((attribute, entrypoint.producer, entrypoint.event_type))
    return sorted(found)


def _own(service: str) -> str:
    return f"^{re.escape(service)}\\."


def _alternatives(names) -> str:
    return "|".join(re.escape(name) for name in sorted(names))


def _exchange(exchange, vhost):
    return {"name": exchange.name, "vhost": vhost, "type": exchange.type, "durable": True,
            "auto_delete": False, "internal": False, "arguments": {}}


def _queue(queue, vhost):
    return {"name": queue.name, "vhost": vhost, "durable": True, "auto_delete": False,
            "arguments": dict(queue.queue_arguments or {})}


def _binding(source: str, queue: str, routing_key: str, vhost):
    return {"source": source, "vhost": vhost, "destination": queue,
            "destination_type": "queue", "routing_key": routing_key, "arguments": {}}


def permissions_for(service: str, handlers) -> dict:
    """The user's rights on the vhost and its topic permissions per producer exchange."""
    producers = sorted({producer for _h, producer, _t in handlers} - {service})
    read = _own(service)
    if producers:
        read += f"|^({_alternatives(f'{p}.events' for p in producers)})$"
    topics = {}
    for producer in producers:
        types = {event_type for _h, p, event_type in handlers if p == producer}
        topics[f"{producer}.events"] = {"write": NOTHING, "read": f"^({_alternatives(types)})$"}
    return {"configure": _own(service), "write": _own(service), "read": read, "topics": topics}


def generate(vhost: str = DEFAULT_VHOST, services=tuple(SERVICE_CLASSES)) -> dict:
    definitions = {"rabbit_version": "3.10.8", "users": [], "vhosts": [{"name": vhost}],
                   "permissions": [], "topic_permissions": [], "exchanges": [], "queues": [],
                   "bindings": []}
    exchanges, queues, bindings = {}, {}, []
    for service in services:
        handlers = event_handlers(service_class(service))
        # every service's outbox relay declares its own exchange at start
        exchanges[f"{service}.events"] = _exchange(events_exchange(service), vhost)
        if handlers:
            topology = Topology(service)
            for entity in topology.declarations():
                if hasattr(entity, "queue_arguments"):
                    queues[entity.name] = _queue(entity, vhost)
                    bindings.append(_binding(entity.exchange.name, entity.name, "", vhost))
                else:
                    exchanges[entity.name] = _exchange(entity, vhost)
            for handler, producer, event_type in handlers:
                queue = topology.handler_queue(handler, producer, event_type)
                exchanges.setdefault(f"{producer}.events",
                                     _exchange(events_exchange(producer), vhost))
                queues[queue.name] = _queue(queue, vhost)
                # from the producer by event type, and back from the retry delays
                for route in queue.bindings:
                    bindings.append(_binding(route.exchange.name, queue.name,
                                             route.routing_key, vhost))
        rights = permissions_for(service, handlers)
        definitions["users"].append({
            "name": service, "password_hash": "",
            "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": []})
        definitions["permissions"].append({
            "user": service, "vhost": vhost, "configure": rights["configure"],
            "write": rights["write"], "read": rights["read"]})
        for exchange, topic in rights["topics"].items():
            definitions["topic_permissions"].append(
                {"user": service, "vhost": vhost, "exchange": exchange, **topic})
    definitions["exchanges"] = [exchanges[name] for name in sorted(exchanges)]
    definitions["queues"] = [queues[name] for name in sorted(queues)]
    definitions["bindings"] = sorted(bindings, key=lambda b: (b["source"], b["destination"],
                                                               b["routing_key"]))
    return definitions


def render(definitions: dict) -> str:
    return json.dumps(definitions, indent=2, sort_keys=False) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rueda_devkit.definitions",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--vhost", default=DEFAULT_VHOST)
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help=f"write {DEFINITIONS_FILE}")
    action.add_argument("--check", action="store_true", help="fail if the file is stale")
    args = parser.parse_args(argv)
    text = render(generate(args.vhost))
    if args.write:
        DEFINITIONS_FILE.parent.mkdir(parents=True, exist_ok=True)
        DEFINITIONS_FILE.write_text(text)
    elif args.check:
        if not DEFINITIONS_FILE.exists() or DEFINITIONS_FILE.read_text() != text:
            print(f"{DEFINITIONS_FILE} is stale: run python -m rueda_devkit.definitions --write",
                  file=sys.stderr)
            return 1
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
