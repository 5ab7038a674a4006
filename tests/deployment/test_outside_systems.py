"""Broker accounts for outside systems (`python -m rueda_devkit.definitions
system add`): each may publish on portal.events only the event types it was
given, and read only its own queue, bound to the events it may read. Checked
in the generated definitions and, both ways, on the real broker."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from amqp.exceptions import AccessRefused, NotFound
from kombu import Connection, Exchange, Queue
from nameko.amqp.publish import Publisher

from rueda_devkit import broker, definitions

PORTAL = definitions.system_account(
    "portal", publishes=["program_form_submitted", "activity_update_submitted"]
)
FUNDER = definitions.system_account(
    "funder", reads=["followup:activity_*", "followup:funding_selection_confirmed"]
)


def test_a_glob_is_expanded_against_what_the_producer_publishes():
    assert FUNDER["reads"] == {
        "followup": [
            "activity_follow_up_due",
            "activity_proposed",
            "activity_status_changed",
            "funding_selection_confirmed",
        ]
    }
    assert FUNDER["publishes"] == []


@pytest.mark.parametrize(
    "ask, refusal",
    [
        ({"publishes": ["schedule_published"]}, "no service consumes schedule_published"),
        ({"reads": ["intake:delegation_contacts_updated"]}, "carries email addresses"),
        ({"reads": ["followup:nothing_like_this_*"]}, "publishes nothing matching"),
        ({"reads": ["nobody:activity_proposed"]}, "producer one of"),
    ],
)
def test_an_account_that_asks_for_what_no_one_offers_or_for_emails_is_refused(ask, refusal):
    with pytest.raises(definitions.SystemRefused, match=refusal):
        definitions.system_account("grants", **ask)


def test_a_system_may_not_take_a_services_name():
    with pytest.raises(definitions.SystemRefused, match="not a service"):
        definitions.system_account("intake", publishes=["program_form_submitted"])


def test_the_committed_systems_file_is_in_the_committed_definitions():
    committed = json.loads(definitions.DEFINITIONS_FILE.read_text())
    users = {user["name"] for user in committed["users"]}
    assert {system["name"] for system in definitions.load_systems()} <= users


def test_an_outside_user_may_configure_nothing_and_write_only_the_outside_exchange():
    generated = definitions.generate(systems=[PORTAL, FUNDER])
    rights = {p["user"]: p for p in generated["permissions"]}
    objects = [e["name"] for e in generated["exchanges"]] + [q["name"] for q in generated["queues"]]
    for name in objects:
        assert not re.match(rights["portal"]["configure"], name)
        assert not re.match(rights["funder"]["configure"], name)
        assert bool(re.match(rights["portal"]["write"], name)) == (name == "portal.events")
        assert not re.match(rights["funder"]["write"], name)
        assert bool(re.match(rights["funder"]["read"], name)) == (name == "funder.inbox")
    bindings = {
        (b["source"], b["routing_key"])
        for b in generated["bindings"]
        if b["destination"] == "funder.inbox"
    }
    assert bindings == {("followup.events", t) for t in FUNDER["reads"]["followup"]}


# -- on the real broker -------------------------------------------------------------


@pytest.fixture
def accounts():
    vhost = f"rueda_systems_{uuid.uuid4().hex[:8]}"
    prefix = f"{vhost}-"
    generated = definitions.generate(vhost, systems=[PORTAL, FUNDER])
    admin = broker.create_vhost(vhost)
    broker.load_topology(vhost, generated)
    uris = broker.create_service_users(vhost, generated, prefix=prefix)
    yield admin, uris
    broker.delete_vhost(vhost)
    broker.delete_users(prefix + user["name"] for user in generated["users"])


def publish(uri, exchange, routing_key, body=None):
    Publisher(uri, use_confirms=True).publish(
        body or {},
        exchange=Exchange(exchange, type="topic", durable=True, no_declare=True),
        routing_key=routing_key,
    )


def get(uri, queue):
    with Connection(uri) as connection:
        message = connection.channel().basic_get(queue, no_ack=False)
        if message is not None:
            message.channel.basic_ack(message.delivery_tag)
        return message


def refused(action):
    with pytest.raises((AccessRefused, NotFound)) as refusal:
        action()
    assert "ACCESS_REFUSED" in str(refusal.value) or "NOT_FOUND" in str(refusal.value)


@pytest.mark.broker
def test_the_portal_publishes_its_forms_and_nothing_else(accounts):
    admin, uris = accounts
    portal = uris["portal"]
    publish(portal, "portal.events", "program_form_submitted", {"n": 1})
    message = get(admin, "intake.handle_program_form_submitted")
    assert message is not None and json.loads(message.body) == {"n": 1}
    refused(lambda: publish(portal, "portal.events", "delegation_form_submitted"))
    refused(lambda: publish(portal, "intake.events", "program_submitted"))
    refused(lambda: publish(portal, "followup.events", "activity_proposed"))
    refused(lambda: get(portal, "intake.handle_program_form_submitted"))


@pytest.mark.broker
def test_a_funder_reads_its_queue_of_activity_events_and_can_subscribe_to_nothing_more(accounts):
    admin, uris = accounts
    funder = uris["funder"]
    publish(admin, "followup.events", "activity_status_changed", {"a": 1})
    publish(admin, "followup.events", "weekly_digest_prepared", {"d": 1})
    publish(admin, "intake.events", "delegation_contacts_updated", {"e": 1})
    message = get(funder, "funder.inbox")
    assert message is not None and json.loads(message.body) == {"a": 1}
    assert get(funder, "funder.inbox") is None  # neither the digest nor the contacts
    refused(lambda: get(funder, "notify.handle_activity_status_changed"))
    refused(lambda: publish(funder, "portal.events", "program_form_submitted"))

    def bind_more():
        with Connection(funder) as connection:
            Queue(
                "funder.inbox",
                Exchange("intake.events", type="topic", no_declare=True),
                routing_key="delegation_contacts_updated",
                no_declare=True,
            ).bind(connection.channel()).queue_bind()

    refused(bind_more)

    def declare_own():
        with Connection(funder) as connection:
            Queue(f"funder.more-{uuid.uuid4().hex[:6]}", durable=True).bind(
                connection.channel()
            ).declare()

    refused(declare_own)
