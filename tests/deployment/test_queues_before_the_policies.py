"""A broker that still holds the queues a version before the policies
declared (delivery limit, TTLs and dead letters as x-arguments): loading the
new definitions leaves them as they are, and deploy/rabbitmq/recreate_queues.py
recreates them under the policies without losing a message (deploy/README.md,
"Queues declared before the policies"). On the real broker."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest

from rueda_devkit import broker

pytestmark = pytest.mark.broker

ROOT = Path(__file__).resolve().parents[2]
FILE = ROOT / "deploy" / "rabbitmq" / "definitions.json"
SCRIPT = ROOT / "deploy" / "rabbitmq" / "recreate_queues.py"
HANDLER = "matching.handle_program_submitted"
RETRY = "matching.retry.600000"


def as_before_the_policies(definitions: dict) -> dict:
    """The same topology as the previous generator wrote it: each queue with
    its policy's keys as x-arguments, and no policies."""
    old = json.loads(json.dumps(definitions))
    policies = sorted(old.pop("policies"), key=lambda p: -p["priority"])
    for queue in old["queues"]:
        policy = next((p for p in policies if re.match(p["pattern"], queue["name"])), None)
        if policy:
            queue["arguments"].update({f"x-{k}": v for k, v in policy["definition"].items()})
    return old


def api(method, path, **kwargs):
    return broker._api(method, path, **kwargs).json() if method in ("GET", "POST") else None


def publish(vhost, exchange, routing_key, body: bytes, **properties):
    answer = api(
        "POST",
        f"exchanges/{quote(vhost, safe='')}/{quote(exchange, safe='')}/publish",
        json={
            "properties": properties,
            "routing_key": routing_key,
            "payload": base64.b64encode(body).decode(),
            "payload_encoding": "base64",
        },
    )
    assert answer["routed"]


def take_all(vhost, queue):
    return api(
        "POST",
        f"queues/{quote(vhost, safe='')}/{quote(queue, safe='')}/get",
        json={"count": 100, "ackmode": "ack_requeue_false", "encoding": "base64"},
    )


def arguments(vhost, queue):
    return api("GET", f"queues/{quote(vhost, safe='')}/{quote(queue, safe='')}")["arguments"]


@pytest.fixture
def old_broker():
    vhost = f"rueda_old_queues_{uuid.uuid4().hex[:8]}"
    broker.create_vhost(vhost)
    new = json.loads(FILE.read_text())
    broker.load_topology(vhost, as_before_the_policies(new))
    yield vhost, new
    broker.delete_vhost(vhost)


def run(vhost, *args):
    env = {
        **os.environ,
        "RABBITMQ_MANAGEMENT_URL": broker.MANAGEMENT_URL,
        "RABBITMQ_ADMIN_USER": broker.AUTH[0],
        "RABBITMQ_ADMIN_PASSWORD": broker.AUTH[1],
    }
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(FILE), "--vhost", vhost, *args],
        env=env,
        timeout=120,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_loading_the_new_definitions_keeps_the_old_queues_and_adds_the_policies(old_broker):
    vhost, new = old_broker
    assert arguments(vhost, HANDLER) == {
        "x-queue-type": "quorum",
        "x-delivery-limit": 20,
        "x-dead-letter-exchange": "matching.dead",
    }
    broker.load_topology(vhost, new)  # what the definitions Job does: no error
    assert arguments(vhost, HANDLER)["x-delivery-limit"] == 20  # untouched
    assert set(broker.policies(vhost)) == {p["name"] for p in new["policies"]}
    assert f"{HANDLER}: declared with the old arguments" in run(vhost, "--dry-run")


def test_recreating_the_old_queues_keeps_their_messages_and_their_way_back(old_broker):
    vhost, new = old_broker
    broker.load_topology(vhost, new)
    # an event waiting for matching, and a retry waiting out its 10 minutes
    publish(
        vhost,
        "intake.events",
        "program_submitted",
        b'{"event": 1}',
        message_id="e-1",
        type="program_submitted",
        headers={"x-rueda-attempt": 0},
    )
    publish(
        vhost,
        "matching.retry.600000",
        HANDLER,
        b'{"event": 2}',
        message_id="e-2",
        headers={"x-rueda-attempt": 5},
    )

    output = run(vhost, "--service", "matching")
    assert f"{HANDLER}: recreated" in output and f"{RETRY}: recreated" in output

    declared = {q["name"]: q["arguments"] for q in new["queues"]}
    for name in declared:
        if name.startswith("matching."):
            assert arguments(vhost, name) == declared[name], name
    assert arguments(vhost, "notify.handle_program_submitted")["x-delivery-limit"] == 20
    assert not [q for q in broker.queue_depths(vhost) if q.startswith("rueda-migrating.")]

    (waiting,) = take_all(vhost, HANDLER)
    assert base64.b64decode(waiting["payload"]) == b'{"event": 1}'
    assert waiting["properties"]["message_id"] == "e-1"
    (retry,) = take_all(vhost, RETRY)
    assert base64.b64decode(retry["payload"]) == b'{"event": 2}'
    # the key that brings it back to its handler queue when it expires
    assert retry["routing_key"] == HANDLER
    assert retry["properties"]["headers"]["x-rueda-attempt"] == 5
    # still bound: a new event reaches the recreated queue
    publish(vhost, "intake.events", "program_submitted", b'{"event": 3}')
    assert [base64.b64decode(m["payload"]) for m in take_all(vhost, HANDLER)] == [b'{"event": 3}']
    assert "no queue holds the old arguments" in run(vhost, "--dry-run", "--service", "matching")
