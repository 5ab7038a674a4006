"""The RabbitMQ definitions file, generated from the services' code.

    python -m rueda_devkit.definitions                # print it
    python -m rueda_devkit.definitions --write        # deploy/rabbitmq/definitions.json
    python -m rueda_devkit.definitions --check        # exit 1 if the file is stale
    python -m rueda_devkit.definitions system add funder --reads 'followup:activity_*' \
        --reads followup:funding_selection_confirmed     # an outside system's account
    python -m rueda_devkit.definitions system add portal --publishes program_form_submitted
    python -m rueda_devkit.definitions system list | remove NAME

It imports the service classes, reads the table each declares in its
`inbound.py` (`cls.inbound`, set by `rueda_backbone.event_handlers`) and builds what the backbone would declare at start (`rueda_backbone.topology`
with its default retry delays and delivery limit): exchanges, queues (quorum
handler queues carry `x-queue-type` and nothing else), bindings, and the
policies that give the queues their delivery limit, TTLs and dead-letter
exchanges (`<svc>.handlers`, and `<svc>.retry.<ms>` per delay, from
`Topology.policies()`), plus one broker user per service with only the
rights that service needs:

- configure: its own objects (`^<svc>\\.`);
- write: its own objects (publish on `<svc>.events`, its retry and dead
  exchanges; bind its own queues);
- read: its own queues, and the exchanges of the producers it consumes from
  (binding a queue needs read on the source exchange);
- topic permissions on each producer's exchange: it may bind only the event
  types it has a handler for, so no service can quietly subscribe to, say,
  `delegation_contacts_updated`, which carries emails meant for notify.

Outside systems (the network's portal, a funder's grant system, ...) are
listed in deploy/rabbitmq/systems.json, written by `system add|remove`, and
get a user each with exactly what they need and nothing of the services':

- publish on `portal.events` (the exchange every outside system writes to),
  only the event types it was given and that some service consumes from there
  (topic permission), and nowhere else;
- read one queue of its own, `<system>.inbox` (quorum, durable), bound by the
  definitions to the events it may read; it may not declare, bind, or read
  anything else, so it cannot subscribe itself to more.
Events that carry email addresses (`*_contacts_updated`) are refused for an
outside system unless `--allow-personal-data` says the contract allows it.

Passwords are not in the file: users come with an empty password hash and
ops set each one from that service's or system's Secret (deploy/README.md).
"""

from __future__ import annotations

import argparse
import fnmatch
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
    "webhooks": "webhooks.service:WebhooksService",
}
ROOT = Path(__file__).resolve().parents[3]
DEFINITIONS_FILE = ROOT / "deploy" / "rabbitmq" / "definitions.json"
SYSTEMS_FILE = ROOT / "deploy" / "rabbitmq" / "systems.json"
JOB_FILE = ROOT / "deploy" / "rabbitmq" / "job.yaml"
DEFAULT_VHOST = "rueda"
NOTHING = "^$"
OUTSIDE_EXCHANGE = "portal"  # outside systems publish on portal.events
SYSTEM_NAME = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
PERSONAL_DATA_EVENTS = frozenset({"delegation_contacts_updated", "staff_contacts_updated"})


class SystemRefused(ValueError):
    """An outside system's account asks for what it may not have."""


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
    return {
        "name": exchange.name,
        "vhost": vhost,
        "type": exchange.type,
        "durable": True,
        "auto_delete": False,
        "internal": False,
        "arguments": {},
    }


def _queue(queue, vhost):
    return {
        "name": queue.name,
        "vhost": vhost,
        "durable": True,
        "auto_delete": False,
        "arguments": dict(queue.queue_arguments or {}),
    }


def _policy(policy: dict, vhost):
    return {"vhost": vhost, **policy}


def _binding(source: str, queue: str, routing_key: str, vhost):
    return {
        "source": source,
        "vhost": vhost,
        "destination": queue,
        "destination_type": "queue",
        "routing_key": routing_key,
        "arguments": {},
    }


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


# -- outside systems ------------------------------------------------------------


def load_systems(path: Path = SYSTEMS_FILE) -> list[dict]:
    if not path.exists():
        return []
    return json.loads(path.read_text())["systems"]


def save_systems(systems: list[dict], path: Path = SYSTEMS_FILE) -> None:
    path.write_text(
        json.dumps({"systems": sorted(systems, key=lambda s: s["name"])}, indent=2) + "\n"
    )


def _published_types() -> dict[str, set[str]]:
    from . import edges

    return {
        service: {event_type for event_type, _version in published}
        - set(getattr(published, "retired", ()))
        for service, published in edges.published().items()
    }


def _consumed_from_outside(services) -> set[str]:
    return {
        event_type
        for service in services
        for _h, producer, event_type in event_handlers(service_class(service))
        if producer == OUTSIDE_EXCHANGE
    }


def system_account(
    name: str,
    *,
    publishes=(),
    reads=(),
    allow_personal_data: bool = False,
    services=tuple(SERVICE_CLASSES),
) -> dict:
    """The checked record of one outside system: what it publishes on
    portal.events and, per producer, the event types its queue receives.
    `reads` items are `<producer>:<event type or glob>`, expanded against
    what that producer publishes today."""
    if not SYSTEM_NAME.match(name) or name in SERVICE_CLASSES:
        raise SystemRefused(f"{name!r}: a system is named [a-z][a-z0-9_]* and is not a service")
    accepted = _consumed_from_outside(services)
    unknown = sorted(set(publishes) - accepted)
    if unknown:
        raise SystemRefused(
            f"no service consumes {', '.join(unknown)} from "
            f"{OUTSIDE_EXCHANGE}.events; one of {', '.join(sorted(accepted))}"
        )
    published = _published_types()
    subscriptions: dict[str, set[str]] = {}
    for item in reads:
        producer, _, pattern = item.partition(":")
        if producer not in published or not pattern:
            raise SystemRefused(
                f"{item!r}: say <producer>:<event type>, producer one of "
                f"{', '.join(sorted(published))}"
            )
        matched = {t for t in published[producer] if fnmatch.fnmatchcase(t, pattern)}
        if not matched:
            raise SystemRefused(f"{producer} publishes nothing matching {pattern!r}")
        personal = matched & PERSONAL_DATA_EVENTS
        if personal and not allow_personal_data:
            raise SystemRefused(
                f"{', '.join(sorted(personal))} carries email addresses; "
                f"pass --allow-personal-data if the system's contract allows it"
            )
        subscriptions.setdefault(producer, set()).update(matched)
    return {
        "name": name,
        "publishes": sorted(set(publishes)),
        "reads": {producer: sorted(types) for producer, types in sorted(subscriptions.items())},
    }


def add_password_to_job(name: str, path: Path = JOB_FILE) -> bool:
    """Give the definitions Job the user's password from the Secret
    `<name>-broker`, as it has each service's; False when it already has it."""
    variable = f"RUEDA_BROKER_PASSWORD_{name.upper()}"
    text = path.read_text()
    if variable in text:
        return False
    marker = "          volumeMounts:\n"
    entry = (
        f"            - name: {variable}\n"
        f"              valueFrom:\n"
        f"                secretKeyRef: {{name: {name}-broker, key: password}}\n"
    )
    path.write_text(text.replace(marker, entry + marker, 1))
    return True


def system_inbox(name: str):
    from kombu import Queue

    return Queue(f"{name}.inbox", durable=True, queue_arguments={"x-queue-type": "quorum"})


def _system_definitions(system: dict, vhost: str):
    name = system["name"]
    user = {
        "name": name,
        "password_hash": "",
        "hashing_algorithm": "rabbit_password_hashing_sha256",
        "tags": [],
    }
    reads = system.get("reads") or {}
    inbox = system_inbox(name) if reads else None
    permission = {
        "user": name,
        "vhost": vhost,
        "configure": NOTHING,
        "write": f"^{re.escape(OUTSIDE_EXCHANGE)}\\.events$" if system["publishes"] else NOTHING,
        "read": f"^{re.escape(inbox.name)}$" if inbox else NOTHING,
    }
    topics = []
    if system["publishes"]:
        topics.append(
            {
                "user": name,
                "vhost": vhost,
                "exchange": f"{OUTSIDE_EXCHANGE}.events",
                "write": f"^({_alternatives(system['publishes'])})$",
                "read": NOTHING,
            }
        )
    queues, bindings = [], []
    if inbox is not None:
        queues.append(_queue(inbox, vhost))
        for producer, types in reads.items():
            bindings.extend(
                _binding(f"{producer}.events", inbox.name, event_type, vhost)
                for event_type in types
            )
    return user, permission, topics, queues, bindings


def generate(
    vhost: str = DEFAULT_VHOST, services=tuple(SERVICE_CLASSES), systems: list[dict] | None = None
) -> dict:
    definitions = {
        "rabbit_version": "3.10.8",
        "users": [],
        "vhosts": [{"name": vhost}],
        "permissions": [],
        "topic_permissions": [],
        "policies": [],
        "exchanges": [],
        "queues": [],
        "bindings": [],
    }
    exchanges, queues, bindings, policies = {}, {}, [], {}
    for service in services:
        handlers = event_handlers(service_class(service))
        # every service's outbox relay declares its own exchange at start
        exchanges[f"{service}.events"] = _exchange(events_exchange(service), vhost)
        if handlers:
            topology = Topology(service)
            # delivery limit, TTLs and dead letters: policies ops can change
            # without deleting a queue (the queues keep x-queue-type only)
            policies.update({p["name"]: _policy(p, vhost) for p in topology.policies()})
            for entity in topology.declarations():
                if hasattr(entity, "queue_arguments"):
                    queues[entity.name] = _queue(entity, vhost)
                    bindings.append(_binding(entity.exchange.name, entity.name, "", vhost))
                else:
                    exchanges[entity.name] = _exchange(entity, vhost)
            for handler, producer, event_type in handlers:
                queue = topology.handler_queue(handler, producer, event_type)
                exchanges.setdefault(
                    f"{producer}.events", _exchange(events_exchange(producer), vhost)
                )
                queues[queue.name] = _queue(queue, vhost)
                # from the producer by event type, and back from the retry delays
                for route in queue.bindings:
                    bindings.append(
                        _binding(route.exchange.name, queue.name, route.routing_key, vhost)
                    )
        rights = permissions_for(service, handlers)
        definitions["users"].append(
            {
                "name": service,
                "password_hash": "",
                "hashing_algorithm": "rabbit_password_hashing_sha256",
                "tags": [],
            }
        )
        definitions["permissions"].append(
            {
                "user": service,
                "vhost": vhost,
                "configure": rights["configure"],
                "write": rights["write"],
                "read": rights["read"],
            }
        )
        for exchange, topic in rights["topics"].items():
            definitions["topic_permissions"].append(
                {"user": service, "vhost": vhost, "exchange": exchange, **topic}
            )
    for system in load_systems() if systems is None else systems:
        user, permission, topics, system_queues, system_bindings = _system_definitions(
            system, vhost
        )
        definitions["users"].append(user)
        definitions["permissions"].append(permission)
        definitions["topic_permissions"].extend(topics)
        if system["publishes"]:
            exchanges.setdefault(
                f"{OUTSIDE_EXCHANGE}.events", _exchange(events_exchange(OUTSIDE_EXCHANGE), vhost)
            )
        for producer in system.get("reads") or {}:
            exchanges.setdefault(f"{producer}.events", _exchange(events_exchange(producer), vhost))
        queues.update({q["name"]: q for q in system_queues})
        bindings.extend(system_bindings)
    definitions["policies"] = [policies[name] for name in sorted(policies)]
    definitions["exchanges"] = [exchanges[name] for name in sorted(exchanges)]
    definitions["queues"] = [queues[name] for name in sorted(queues)]
    definitions["bindings"] = sorted(
        bindings, key=lambda b: (b["source"], b["destination"], b["routing_key"])
    )
    return definitions


def render(definitions: dict) -> str:
    return json.dumps(definitions, indent=2, sort_keys=False) + "\n"


def system_command(argv) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m rueda_devkit.definitions system",
        description="outside systems' broker accounts",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="add or replace a system, then rewrite the file")
    add.add_argument("name")
    add.add_argument(
        "--publishes",
        action="append",
        default=[],
        metavar="EVENT_TYPE",
        help="an event type it may publish on portal.events (repeat)",
    )
    add.add_argument(
        "--reads",
        action="append",
        default=[],
        metavar="PRODUCER:TYPE",
        help="events its queue receives, e.g. 'followup:activity_*' (repeat)",
    )
    add.add_argument("--allow-personal-data", action="store_true")
    commands.add_parser("remove").add_argument("name")
    commands.add_parser("list")
    args = parser.parse_args(argv)
    systems = load_systems()
    if args.command == "list":
        for system in systems:
            reads = ", ".join(f"{p}:{t}" for p, types in system["reads"].items() for t in types)
            print(
                f"{system['name']}: publishes {', '.join(system['publishes']) or '-'}; "
                f"reads {reads or '-'}"
            )
        return 0
    others = [s for s in systems if s["name"] != args.name]
    if args.command == "add":
        try:
            others.append(
                system_account(
                    args.name,
                    publishes=args.publishes,
                    reads=args.reads,
                    allow_personal_data=args.allow_personal_data,
                )
            )
        except SystemRefused as exc:
            print(f"refused: {exc}", file=sys.stderr)
            return 2
    elif len(others) == len(systems):
        print(f"no system {args.name!r}", file=sys.stderr)
        return 2
    save_systems(others)
    DEFINITIONS_FILE.write_text(render(generate(systems=others)))
    written = [SYSTEMS_FILE, DEFINITIONS_FILE]
    if args.command == "add" and add_password_to_job(args.name):
        written.append(JOB_FILE)
    print(f"{', '.join(str(p.relative_to(ROOT)) for p in written)} written")
    if args.command == "add":
        print(
            f"create the Secret {args.name}-broker (key: password) before the Job runs; "
            f"give the system its AMQP URI with that password (deploy/README.md)"
        )
    return 0


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["system"]:
        return system_command(argv[1:])
    parser = argparse.ArgumentParser(
        prog="python -m rueda_devkit.definitions", description=__doc__.split("\n")[0]
    )
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
            print(
                f"{DEFINITIONS_FILE} is stale: run python -m rueda_devkit.definitions --write",
                file=sys.stderr,
            )
            return 1
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
