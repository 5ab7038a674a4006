"""The broker policies (delivery limit, retry TTLs, dead letters) are in place
wherever the services run as real processes: set by the services themselves
on a developer's broker (as `guest`), by the stack where they run with their
own users (who may not set policies); and a message over the delivery limit
is dead-lettered and swept into the parked table through them."""

import json
from urllib.parse import unquote

import pytest
from kombu import Connection

from rueda_backbone.testing import publish_raw, wait_for
from rueda_devkit import broker
from rueda_devkit.flow import parked

pytestmark = [pytest.mark.e2e, pytest.mark.broker]

CONSUMERS = ("matching", "followup", "notify")
QUEUE = "matching.handle_program_submitted"


def vhost_of(stack):
    return unquote(stack.amqp_uri.rsplit("/", 1)[1])


def assert_policies_for_the_stacks_delays(stack):
    policies = broker.policies(vhost_of(stack))
    for service in CONSUMERS:
        assert policies[f"{service}.handlers"]["definition"] == {
            "delivery-limit": 20,
            "dead-letter-exchange": f"{service}.dead",
        }
        for ms in (200, 500, 1000):  # the e2e stack's EVENT_RETRY_DELAYS
            assert policies[f"{service}.retry.{ms}"]["definition"] == {
                "message-ttl": ms,
                "dead-letter-exchange": f"{service}.redeliver",
            }


def test_services_running_as_guest_set_their_own_policies(make_stack):
    stack = make_stack("sqlite")
    stack.start_all()
    assert_policies_for_the_stacks_delays(stack)


@pytest.fixture
def stack_with_own_users(make_stack):
    stack = make_stack("sqlite")
    stack.use_service_users()
    yield stack
    stack.stop()
    stack.drop_service_users()


def test_with_their_own_users_a_message_over_the_delivery_limit_is_parked(stack_with_own_users):
    stack = stack_with_own_users
    stack.start_all()
    assert_policies_for_the_stacks_delays(stack)
    stack.stop("matching")
    body = json.dumps({"event_id": "e-limit", "event_type": "program_submitted"}).encode()
    publish_raw(
        stack.amqp_uri,
        "intake.events",
        "program_submitted",
        body,
        message_id="e-limit",
        type="program_submitted",
    )
    deliveries = 0
    with Connection(stack.amqp_uri) as connection:  # the admin, as a worker that keeps dying
        channel = connection.channel()

        def returned_until_gone():
            nonlocal deliveries
            message = channel.basic_get(QUEUE)
            if message is None:
                return deliveries > 0
            deliveries += 1
            channel.basic_reject(message.delivery_tag, requeue=True)
            return False

        wait_for(returned_until_gone, timeout=30, what="the message dead-lettered")
    assert deliveries == 21  # the file's delivery-limit policy: 20 returns
    stack.start("matching")
    (row,) = wait_for(lambda: parked(stack, "matching"), timeout=30, what="the sweep")
    assert row["queue"] == QUEUE and row["event_id"] == "e-limit"
    assert row["reason"].startswith("delivery limit reached")
