"""Recreate the queues a rueda version before the broker policies declared
with x-arguments (x-delivery-limit, x-dead-letter-exchange, x-message-ttl),
so that the policies of definitions.json govern them fully, without losing a
message. Standard library only, like apply_definitions.py, and run the same
way (RABBITMQ_MANAGEMENT_URL, RABBITMQ_ADMIN_USER, RABBITMQ_ADMIN_PASSWORD):

    python recreate_queues.py definitions.json [--vhost rueda] [--service notify]
        [--queue NAME ...] [--dry-run]

Run it after the definitions Job of the release that brought the policies,
with the services whose queues it recreates scaled to 0 (deploy/README.md,
"Queues declared before the policies"). For each such queue Q the file
declares:

1. a holding queue `rueda-migrating.<Q>` (quorum, outside every service's
   names: no service user can touch it) gets Q's bindings, and Q loses them:
   whatever is published meanwhile waits there;
2. Q's messages move into the holding queue, then Q is deleted (only if
   empty) and declared again as the file says (x-queue-type only), with its
   bindings;
3. the holding queue loses its bindings, its messages move back into Q, and
   it is deleted (only if empty).

A message is moved by publishing a copy (headers, properties, routing key,
body) through the exchange Q is bound to, then taking the original off: a
crash in between leaves a copy twice, which every consumer's inbox drops;
never none. The routing key is kept because a retry queue's messages find
their way back to their handler queue by it when they expire.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

LEGACY_ARGUMENTS = ("x-delivery-limit", "x-dead-letter-exchange", "x-message-ttl")
HOLD_PREFIX = "rueda-migrating."


def api(method: str, path: str, body=None, *, ok_missing: bool = False):
    base = os.environ.get("RABBITMQ_MANAGEMENT_URL", "http://127.0.0.1:15672").rstrip("/")
    credentials = f"{os.environ['RABBITMQ_ADMIN_USER']}:{os.environ['RABBITMQ_ADMIN_PASSWORD']}"
    request = urllib.request.Request(
        f"{base}/api/{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={
            "Content-Type": "application/json",
            "Authorization": "Basic " + base64.b64encode(credentials.encode()).decode(),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
            return json.loads(text) if text else None
    except urllib.error.HTTPError as exc:
        if ok_missing and exc.code == 404:
            return None
        raise SystemExit(f"{method} /api/{path}: {exc.code} {exc.read().decode(errors='replace')}")


def q(name: str) -> str:
    return urllib.parse.quote(name, safe="")


def legacy_queues(definitions: dict, vhost: str, services=(), names=()) -> list[dict]:
    """The file's queues that exist in `vhost` with a legacy argument."""
    found = []
    for queue in definitions["queues"]:
        if names and queue["name"] not in names:
            continue
        if services and queue["name"].split(".", 1)[0] not in services:
            continue
        current = api("GET", f"queues/{q(vhost)}/{q(queue['name'])}", ok_missing=True)
        if current and set(current.get("arguments") or {}) & set(LEGACY_ARGUMENTS):
            found.append(queue)
    return found


def bindings_to(definitions: dict, queue: str) -> list[dict]:
    return [
        b
        for b in definitions["bindings"]
        if b["destination"] == queue and b["destination_type"] == "queue"
    ]


def bind(vhost: str, source: str, queue: str, routing_key: str) -> None:
    api(
        "POST",
        f"bindings/{q(vhost)}/e/{q(source)}/q/{q(queue)}",
        {"routing_key": routing_key, "arguments": {}},
    )


def unbind(vhost: str, source: str, queue: str, routing_key: str) -> None:
    for existing in api("GET", f"bindings/{q(vhost)}/e/{q(source)}/q/{q(queue)}") or []:
        if existing["routing_key"] == routing_key:
            api(
                "DELETE",
                f"bindings/{q(vhost)}/e/{q(source)}/q/{q(queue)}/{q(existing['properties_key'])}",
                ok_missing=True,
            )


def delete_if_empty(vhost: str, queue: str) -> None:
    # quorum queues refuse queue.delete with if-empty (3.10): look, then delete;
    # nothing is bound to the queue any more and nobody consumes it
    left = api(
        "POST",
        f"queues/{q(vhost)}/{q(queue)}/get",
        {"count": 1, "ackmode": "reject_requeue_true", "encoding": "base64"},
    )
    if left:
        raise SystemExit(f"{queue} is not empty; nothing was deleted")
    api("DELETE", f"queues/{q(vhost)}/{q(queue)}")


def move(vhost: str, source_queue: str, exchange: str, routing_key: str | None) -> int:
    """Every message of `source_queue`, published again on `exchange` (the
    only queue bound there now is the target) with `routing_key`, or its own
    when None, then taken off the source."""
    moved = 0
    while True:
        peeked = api(
            "POST",
            f"queues/{q(vhost)}/{q(source_queue)}/get",
            {"count": 1, "ackmode": "reject_requeue_true", "encoding": "base64"},
        )
        if not peeked:
            return moved
        message = peeked[0]
        properties = dict(message.get("properties") or {})
        headers = {
            k: v for k, v in (properties.get("headers") or {}).items() if k != "x-delivery-count"
        }
        properties["headers"] = headers
        routed = api(
            "POST",
            f"exchanges/{q(vhost)}/{q(exchange)}/publish",
            {
                "properties": properties,
                "routing_key": (message["routing_key"] if routing_key is None else routing_key),
                "payload": message["payload"],
                "payload_encoding": message["payload_encoding"],
            },
        )
        if not routed or not routed.get("routed"):
            raise SystemExit(
                f"a message of {source_queue} could not be routed through "
                f"{exchange}; nothing was lost: "
                f"it is still in {source_queue}"
            )
        api(
            "POST",
            f"queues/{q(vhost)}/{q(source_queue)}/get",
            {"count": 1, "ackmode": "ack_requeue_false", "encoding": "base64"},
        )
        moved += 1


def recreate(definitions: dict, vhost: str, queue: dict, log=print) -> None:
    name, hold = queue["name"], HOLD_PREFIX + queue["name"]
    routes = bindings_to(definitions, name)
    if not routes:
        raise SystemExit(f"{name} has no binding in the file")
    # the way a copy goes: a handler queue's way back from a retry
    # (<svc>.redeliver, by the queue's name: its producer's exchange would
    # reach other services' queues too), a retry queue's own fanout with the
    # message's routing key (the handler queue it returns to on expiry)
    redeliver = next((b for b in routes if b["source"].endswith(".redeliver")), None)
    via, key = (
        (redeliver["source"], redeliver["routing_key"])
        if redeliver
        else (routes[0]["source"], None)
    )
    consumers = (api("GET", f"queues/{q(vhost)}/{q(name)}") or {}).get("consumers") or 0
    if consumers:
        raise SystemExit(f"{name} has {consumers} consumer(s): scale its service to 0 first")
    api(
        "PUT",
        f"queues/{q(vhost)}/{q(hold)}",
        {"durable": True, "auto_delete": False, "arguments": {"x-queue-type": "quorum"}},
    )
    for b in routes:
        bind(vhost, b["source"], hold, b["routing_key"])
    for b in routes:
        unbind(vhost, b["source"], name, b["routing_key"])
    held = move(vhost, name, via, key)
    delete_if_empty(vhost, name)
    api(
        "PUT",
        f"queues/{q(vhost)}/{q(name)}",
        {"durable": True, "auto_delete": False, "arguments": queue["arguments"]},
    )
    for b in routes:
        bind(vhost, b["source"], name, b["routing_key"])
    for b in routes:
        unbind(vhost, b["source"], hold, b["routing_key"])
    back = move(vhost, hold, via, key)
    delete_if_empty(vhost, hold)
    log(
        f"{name}: recreated with {json.dumps(queue['arguments'])}; "
        f"{held} message(s) held and {back} moved back"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("definitions")
    parser.add_argument("--vhost", help="the vhost (default: the file's)")
    parser.add_argument(
        "--service", action="append", default=[], help="only this service's queues (repeat)"
    )
    parser.add_argument("--queue", action="append", default=[], help="only this queue (repeat)")
    parser.add_argument("--dry-run", action="store_true", help="list them only")
    args = parser.parse_args(argv)
    with open(args.definitions, encoding="utf-8") as handle:
        definitions = json.load(handle)
    vhost = args.vhost or definitions["vhosts"][0]["name"]
    queues = legacy_queues(definitions, vhost, args.service, args.queue)
    if not queues:
        print("no queue holds the old arguments")
        return 0
    for queue in queues:
        if args.dry_run:
            print(f"{queue['name']}: declared with the old arguments")
        else:
            recreate(definitions, vhost, queue)
            time.sleep(0.1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
