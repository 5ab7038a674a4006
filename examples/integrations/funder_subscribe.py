"""A funder's grant system follows what becomes of each cooperation activity:
it reads its own queue (`<system>.inbox`, created by
`python -m rueda_devkit.definitions system add funder --reads 'followup:activity_*'
--reads followup:funding_selection_confirmed`) with its own broker account,
acknowledging each message once it has stored it, and ignoring a duplicate by
its event id. kombu only.

    python funder_subscribe.py --uri amqp://funder:PASSWORD@rabbitmq:5672/rueda --queue funder.inbox

Each line printed is one event: its type, schema version, id and payload.
HTTP equivalent, for a system without AMQP: a webhook (docs/webhooks.md), or
`GET /activities?workshop_id=...` on followup with a key scoped followup:read.
"""

from __future__ import annotations

import argparse
import json
import sys


def follow(uri: str, queue: str, *, limit: int | None = None, timeout: float = 30.0):
    from kombu import Connection, Queue

    seen: set[str] = set()
    got: list[dict] = []
    # the queue exists (the definitions declare it); the funder may not declare
    inbox = Queue(queue, no_declare=True)
    with Connection(uri, connect_timeout=10) as connection:

        def on_message(body, message):
            event = json.loads(message.body)
            if event["event_id"] not in seen:  # at least once from the broker: dedup here
                seen.add(event["event_id"])
                got.append(event)
                print(
                    json.dumps(
                        {
                            "event_type": event["event_type"],
                            "schema_version": event["schema_version"],
                            "event_id": event["event_id"],
                            "payload": event["payload"],
                        },
                        ensure_ascii=False,
                    ),
                    flush=True,
                )
            message.ack()

        with connection.Consumer(inbox, callbacks=[on_message], accept=None, no_ack=False):
            while limit is None or len(got) < limit:
                try:
                    connection.drain_events(timeout=timeout)
                except TimeoutError:
                    break
    return got


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--uri", required=True)
    parser.add_argument("--queue", default="funder.inbox")
    parser.add_argument("--limit", type=int, help="stop after this many events")
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="stop after this many seconds without an event"
    )
    args = parser.parse_args(argv)
    follow(args.uri, args.queue, limit=args.limit, timeout=args.timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
