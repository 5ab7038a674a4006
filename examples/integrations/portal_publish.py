"""The network's portal sends a program profile to rueda, the way an
integrator would: as a CloudEvent on `portal.events` with the portal's own
broker account, or over HTTP with its API key. Standard library and kombu only.

    # AMQP, structured CloudEvent (or --binary for the RabbitMQ binding's binary mode)
    python portal_publish.py amqp --uri amqp://portal:PASSWORD@rabbitmq:5672/rueda \
        --delegation DELEGATION_ID --title "Food Acquisition Program (PAA)"
    # HTTP equivalent
    python portal_publish.py http --url https://intake.example.org --key rk_... \
        --delegation DELEGATION_ID --title "Food Acquisition Program (PAA)"

The form is intake's program profile (docs/intake.md); reusing `--form-id`
revises the same profile instead of submitting a new one. A refused form is
parked by intake with the field at fault (ops: `rueda-ops ... parked list`);
over HTTP the answer says it at once.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
import uuid
from datetime import UTC, datetime

EVENT_TYPE = "program_form_submitted"


def program_form(delegation_id: str, title: str, form_id: str | None) -> dict:
    form = {
        "delegation_id": delegation_id,
        "title": title,
        "topics": ["food_security"],
        "areas_of_influence": ["national"],
        "exchange_methods": ["study_tour"],
    }
    if form_id:
        form["program_id"] = form_id
    return form


def publish_amqp(uri: str, form: dict, *, binary: bool = False) -> str:
    from kombu import Connection, Exchange, Producer

    event_id = str(uuid.uuid4())
    attributes = {
        "specversion": "1.0",
        "id": event_id,
        "source": "https://portal.example.org",
        "type": f"org.example.portal.{EVENT_TYPE}",
        "schemaversion": 1,
        "time": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
    }
    if binary:
        body = json.dumps(form).encode()
        headers = {f"ce-{name}": str(value) for name, value in attributes.items()}
        content_type = "application/json"
    else:
        body = json.dumps(
            {**attributes, "datacontenttype": "application/json", "data": form}
        ).encode()
        headers, content_type = {}, "application/cloudevents+json"
    # the portal may write to portal.events, not declare it: no_declare
    exchange = Exchange("portal.events", type="topic", durable=True, no_declare=True)
    with Connection(uri, connect_timeout=10) as connection:
        channel = connection.channel()
        channel.confirm_select()  # the broker says it has the message, or raises
        Producer(channel).publish(
            body,
            exchange=exchange,
            routing_key=EVENT_TYPE,
            content_type=content_type,
            content_encoding="utf-8",
            headers=headers,
            message_id=event_id,
            delivery_mode=2,
            mandatory=True,
        )
    return event_id


def submit_http(url: str, key: str, form: dict) -> dict:
    request = urllib.request.Request(
        f"{url.rstrip('/')}/programs",
        data=json.dumps(form).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-API-Key": key,
            # a retry after a lost answer must not submit twice
            "Idempotency-Key": str(
                uuid.uuid5(uuid.NAMESPACE_URL, json.dumps(form, sort_keys=True))
            ),
        },
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("how", choices=["amqp", "http"])
    parser.add_argument("--uri", help="the portal's AMQP URI (amqp)")
    parser.add_argument("--binary", action="store_true", help="binary-mode CloudEvent (amqp)")
    parser.add_argument("--url", help="intake's base URL (http)")
    parser.add_argument("--key", help="the portal's intake API key (http)")
    parser.add_argument("--delegation", required=True)
    parser.add_argument("--title", required=True)
    parser.add_argument("--form-id")
    args = parser.parse_args(argv)
    form = program_form(args.delegation, args.title, args.form_id)
    if args.how == "amqp":
        print(json.dumps({"published": publish_amqp(args.uri, form, binary=args.binary)}))
    else:
        print(json.dumps(submit_http(args.url, args.key, form)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
