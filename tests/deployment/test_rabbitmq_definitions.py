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
from rueda_devkit import broker, definitions

ROOT = Path(__file__).resolve().parents[2]
FILE = ROOT / "deploy" / "rabbitmq" / "definitions.json"
SERVICES = ("intake", "matching", "followup", "notify")
# outside systems' accounts (deploy/rabbitmq/systems.json; test_outside_systems.py)
SYSTEMS = tuple(system["name"] for system in definitions.load_systems())


@pytest.fixture(scope="module")
def committed():
    return json.loads(FILE.read_text())


def test_the_committed_file_is_what_the_services_code_declares():
    assert FILE.read_text() == definitions.render(definitions.generate()), (
        "deploy/rabbitmq/definitions.json is stale: python -m rueda_devkit.definitions --write")


def test_no_password_is_committed(committed):
    assert {user["name"] for user in committed["users"]} == {*SERVICES, *SYSTEMS}
    assert all(user["password_hash"] == "" for user in committed["users"])


def test_every_handler_queue_is_a_quorum_queue_with_a_delivery_limit_and_a_dead_letter_exchange(
        committed):
    exchanges = {e["name"] for e in committed["exchanges"]}
    queues = {q["name"]: q for q in committed["queues"]}
    for service in SERVICES:
        for handler, producer, event_type in definitions.event_handlers(
                definitions.service_class(service)):
            arguments = queues[f"{service}.{handler}"]["arguments"]
            assert arguments["x-queue-type"] == "quorum"
            assert arguments["x-delivery-limit"] > 0
            assert arguments["x-dead-letter-exchange"] == f"{service}.dead"
    for queue in queues.values():
        assert queue["durable"]
        dead_letter = queue["arguments"].get("x-dead-letter-exchange")
        assert dead_letter is None or dead_letter in exchanges, queue["name"]
        # never the default exchange: writing there reaches every queue
        assert dead_letter != ""
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
    readers = [t["user"] for t in committed["topic_permissions"]
               if t["exchange"] == "intake.events"
               and re.match(t["read"], "delegation_contacts_updated")]
    assert readers == ["notify"]


@pytest.mark.broker
def test_the_definitions_job_script_loads_the_file_and_sets_each_password():
    vhost = f"rueda_definitions_{uuid.uuid4().hex[:8]}"
    prefix = f"{vhost}-"
    passwords = {user: uuid.uuid4().hex for user in (*SERVICES, *SYSTEMS)}
    env = {**os.environ, "RABBITMQ_MANAGEMENT_URL": broker.MANAGEMENT_URL,
           "RABBITMQ_ADMIN_USER": broker.AUTH[0], "RABBITMQ_ADMIN_PASSWORD": broker.AUTH[1],
           **{f"RUEDA_BROKER_PASSWORD_{s.upper()}": p for s, p in passwords.items()}}
    script = ROOT / "deploy" / "rabbitmq" / "apply_definitions.py"
    try:
        for _ in range(2):  # the Job runs again after every change: idempotent
            subprocess.run([sys.executable, str(script), str(FILE), "--vhost", vhost,
                            "--user-prefix", prefix], env=env, check=True, timeout=60,
                           capture_output=True)
        broker._api("PUT", f"permissions/{vhost}/{broker.AUTH[0]}",
                    json={"configure": ".*", "write": ".*", "read": ".*"})
        depths = broker.queue_depths(vhost)
        assert {q["name"] for q in json.loads(FILE.read_text())["queues"]} == set(depths)
        for service, password in passwords.items():
            with Connection(broker.amqp_uri(vhost, prefix + service, password)) as connection:
                connection.ensure_connection(max_retries=1)
        with pytest.raises(Exception):
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
            assert isinstance(entrypoint, (EventHandler, HttpRequestHandler)), (attribute, entrypoint)
        if isinstance(value, DependencyProvider):
            assert type(value).__module__.split(".")[0] in ("rueda_backbone", service), (
                attribute, type(value))
        assert not isinstance(value, Entrypoint)
