"""deploy/rabbitmq/definitions.json: generated from the services' code, and
each service's broker user may do exactly what that service needs.

The file check is plain; the last test loads the file into the real broker
with deploy/rabbitmq/apply_definitions.py, as the Kubernetes Job does."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from kombu import Connection

from rueda_backbone.topology import DEFAULT_DELIVERY_LIMIT, DEFAULT_RETRY_DELAYS
from rueda_devkit import broker, definitions

ROOT = Path(__file__).resolve().parents[2]
FILE = ROOT / "deploy" / "rabbitmq" / "definitions.json"
SERVICES = ("intake", "matching", "followup", "notify", "webhooks")
# outside systems' accounts (deploy/rabbitmq/systems.json; test_outside_systems.py)
SYSTEMS = tuple(system["name"] for system in definitions.load_systems())


@pytest.fixture(scope="module")
def committed():
    return json.loads(FILE.read_text())


def test_the_committed_file_is_what_the_services_code_declares():
    assert FILE.read_text() == definitions.render(definitions.generate()), (
        "deploy/rabbitmq/definitions.json is stale: python -m rueda_devkit.definitions --write"
    )


def test_no_password_is_committed(committed):
    assert {user["name"] for user in committed["users"]} == {*SERVICES, *SYSTEMS}
    assert all(user["password_hash"] == "" for user in committed["users"])


def effective_policy(policies, queue: str):
    """The policy RabbitMQ applies to a queue: the matching one of highest
    priority (only one applies); two at the same priority would be a coin toss."""
    matching = [
        p for p in policies if p["apply-to"] in ("queues", "all") and re.search(p["pattern"], queue)
    ]
    if not matching:
        return None
    top = max(p["priority"] for p in matching)
    (policy,) = [p for p in matching if p["priority"] == top]
    return policy


def test_queues_carry_only_their_type_and_policies_give_limits_ttls_and_dead_letters(committed):
    exchanges = {e["name"] for e in committed["exchanges"]}
    queues = {q["name"]: q for q in committed["queues"]}
    policies = committed["policies"]
    for service in SERVICES:
        handlers = definitions.event_handlers(definitions.service_class(service))
        for handler, _producer, _event_type in handlers:
            name = f"{service}.{handler}"
            # what ops may want to change is never an argument: no queue to delete
            assert queues[name]["arguments"] == {"x-queue-type": "quorum"}
            assert effective_policy(policies, name)["definition"] == {
                "delivery-limit": DEFAULT_DELIVERY_LIMIT,
                "dead-letter-exchange": f"{service}.dead",
            }
        if not handlers:
            continue
        for delay in DEFAULT_RETRY_DELAYS:
            ms = int(delay * 1000)
            name = f"{service}.retry.{ms}"
            assert queues[name]["arguments"] == {}
            assert effective_policy(policies, name)["definition"] == {
                "message-ttl": ms,
                "dead-letter-exchange": f"{service}.redeliver",
            }
        # parked messages stay until swept: no TTL, no limit, no dead letters
        assert effective_policy(policies, f"{service}.dead") is None
    for queue in queues.values():
        assert queue["durable"]
        assert set(queue["arguments"]) <= {"x-queue-type"}, queue["name"]
        policy = effective_policy(policies, queue["name"])
        dead_letter = policy and policy["definition"].get("dead-letter-exchange")
        assert dead_letter is None or dead_letter in exchanges, queue["name"]
        # never the default exchange: writing there reaches every queue
        assert dead_letter != ""
    for policy in policies:
        assert policy["vhost"] == "rueda" and policy["apply-to"] == "queues"
        # each policy is some queue's, within its own service's names
        assert any(effective_policy(policies, q) is policy for q in queues), policy["name"]
        assert all(
            owner(q) == owner(policy["name"]) for q in queues if re.search(policy["pattern"], q)
        ), policy["name"]
    for binding in committed["bindings"]:
        assert binding["source"] in exchanges and binding["destination"] in queues


def owner(name: str) -> str:
    return name.split(".", 1)[0]


@pytest.mark.parametrize("service", SERVICES)
def test_each_user_may_configure_and_write_its_own_objects_only(committed, service):
    (rights,) = [p for p in committed["permissions"] if p["user"] == service]
    objects = [e["name"] for e in committed["exchanges"]] + [q["name"] for q in committed["queues"]]
    for name in objects:
        mine = owner(name) == service
        assert bool(re.match(rights["configure"], name)) == mine, name
        assert bool(re.match(rights["write"], name)) == mine, name
    # publishing through the default exchange would reach any queue
    assert not re.match(rights["write"], "amq.default")


@pytest.mark.parametrize("service", SERVICES)
def test_each_user_reads_its_own_queues_and_binds_only_what_it_handles(committed, service):
    (rights,) = [p for p in committed["permissions"] if p["user"] == service]
    topics = {t["exchange"]: t for t in committed["topic_permissions"] if t["user"] == service}
    for queue in committed["queues"]:
        assert bool(re.match(rights["read"], queue["name"])) == (owner(queue["name"]) == service)
    handled = definitions.event_handlers(definitions.service_class(service))
    for _handler, producer, event_type in handled:
        if producer != service:
            assert re.match(rights["read"], f"{producer}.events")
            assert re.match(topics[f"{producer}.events"]["read"], event_type)
    for exchange, topic in topics.items():
        assert topic["write"] == "^$"
        mine = {e for _h, p, e in handled if f"{p}.events" == exchange}
        others = {b["routing_key"] for b in committed["bindings"] if b["source"] == exchange}
        for event_type in (others | {"anything_else"}) - mine:
            assert not re.match(topic["read"], event_type), (exchange, event_type)


def test_only_notify_may_subscribe_to_the_event_carrying_emails(committed):
    readers = [
        t["user"]
        for t in committed["topic_permissions"]
        if t["exchange"] == "intake.events" and re.match(t["read"], "delegation_contacts_updated")
    ]
    assert readers == ["notify"]


@pytest.mark.broker
def test_the_definitions_job_script_loads_the_file_and_sets_each_password():
    vhost = f"rueda_definitions_{uuid.uuid4().hex[:8]}"
    prefix = f"{vhost}-"
    passwords = {user: uuid.uuid4().hex for user in (*SERVICES, *SYSTEMS)}
    env = {
        **os.environ,
        "RABBITMQ_MANAGEMENT_URL": broker.MANAGEMENT_URL,
        "RABBITMQ_ADMIN_USER": broker.AUTH[0],
        "RABBITMQ_ADMIN_PASSWORD": broker.AUTH[1],
        **{f"RUEDA_BROKER_PASSWORD_{s.upper()}": p for s, p in passwords.items()},
    }
    script = ROOT / "deploy" / "rabbitmq" / "apply_definitions.py"
    try:
        for _ in range(2):  # the Job runs again after every change: idempotent
            subprocess.run(
                [sys.executable, str(script), str(FILE), "--vhost", vhost, "--user-prefix", prefix],
                env=env,
                check=True,
                timeout=60,
                capture_output=True,
            )
        broker._api(
            "PUT",
            f"permissions/{vhost}/{broker.AUTH[0]}",
            json={"configure": ".*", "write": ".*", "read": ".*"},
        )
        depths = broker.queue_depths(vhost)
        committed = json.loads(FILE.read_text())
        assert {q["name"] for q in committed["queues"]} == set(depths)
        loaded = broker.policies(vhost)
        assert set(loaded) == {p["name"] for p in committed["policies"]}
        for policy in committed["policies"]:
            assert loaded[policy["name"]]["definition"] == policy["definition"]
            assert loaded[policy["name"]]["pattern"] == policy["pattern"]
        for service, password in passwords.items():
            with Connection(broker.amqp_uri(vhost, prefix + service, password)) as connection:
                connection.ensure_connection(max_retries=1)
        with pytest.raises(Exception):  # noqa: B017 - any refusal kombu raises for a bad login
            with Connection(broker.amqp_uri(vhost, prefix + "intake", "wrong")) as connection:
                connection.ensure_connection(max_retries=1)
    finally:
        broker.delete_vhost(vhost)
        broker.delete_users(prefix + user for user in passwords)


@pytest.mark.parametrize("service", SERVICES)
def test_nothing_in_a_service_declares_broker_objects_the_definitions_do_not_know(service):
    # nameko's RPC (nameko-rpc exchange, reply queues) and its own events and
    # messaging would declare objects outside `^<svc>\.`, which the service's
    # user may not do: only the backbone's entrypoints and HTTP are expected
    from nameko.extensions import DependencyProvider, Entrypoint
    from nameko.web.handlers import HttpRequestHandler

    from rueda_backbone.consuming import EventHandler

    cls = definitions.service_class(service)
    for attribute in dir(cls):
        value = getattr(cls, attribute)
        for entrypoint in getattr(value, "nameko_entrypoints", ()):
            assert isinstance(entrypoint, (EventHandler, HttpRequestHandler)), (
                attribute,
                entrypoint,
            )
        if isinstance(value, DependencyProvider):
            assert type(value).__module__.split(".")[0] in ("rueda_backbone", service), (
                attribute,
                type(value),
            )
        assert not isinstance(value, Entrypoint)


def test_a_stack_with_service_users_sets_the_policies_of_its_own_retry_delays(tmp_path):
    # a service user may not set policies, and the file's cover the default
    # delays only: the stack sets those of the delays it gives each service
    from rueda_devkit.stack import Stack

    stack = Stack(
        data_dir=tmp_path,
        amqp_uri="amqp://guest:guest@127.0.0.1:5672/x",
        extra_env={"MATCHING_EVENT_RETRY_DELAYS": "[0.2, 0.5]"},
    )
    by_name = {p["name"]: p for p in stack.policies("matching")}
    assert by_name["matching.retry.200"]["definition"] == {
        "message-ttl": 200,
        "dead-letter-exchange": "matching.redeliver",
    }
    assert set(by_name) == {"matching.handlers", "matching.retry.200", "matching.retry.500"}
