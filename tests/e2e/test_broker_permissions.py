"""Each service runs with its own broker user and exactly the permissions
deploy/rabbitmq/definitions.json gives it: the four start and the thin flow
works, while publishing on another service's exchange, consuming another
service's queue or subscribing to an event it has no handler for is refused.

Users, permissions and topology come from the same generator as the committed
file, applied through the management API to this test's fresh vhost.
"""

import pytest
from amqp.exceptions import AccessRefused
from kombu import Connection, Exchange
from nameko.amqp.publish import Publisher

from rueda_backbone.testing import wait_for
from rueda_devkit.flow import emails, register_and_submit, rows

pytestmark = [pytest.mark.e2e, pytest.mark.broker]


@pytest.fixture
def stack_with_own_users(make_stack):
    stack = make_stack("sqlite")
    # the topology is loaded before any service starts, as from the definitions file
    stack.use_service_users()
    yield stack
    stack.stop()
    stack.drop_service_users()


def refused(action) -> str:
    with pytest.raises(AccessRefused) as refusal:
        action()
    assert "ACCESS_REFUSED" in str(refusal.value)
    return str(refusal.value)


def publish(uri, exchange, routing_key):
    Publisher(uri, use_confirms=True).publish(
        b"{}",
        exchange=Exchange(exchange, type="topic", durable=True, no_declare=True),
        routing_key=routing_key,
    )


def consume(uri, queue):
    with Connection(uri) as connection:
        connection.channel().basic_consume(queue, callback=lambda message: None)


def bind(uri, queue, exchange, routing_key):
    with Connection(uri) as connection:
        connection.channel().queue_bind(queue, exchange, routing_key)


def test_services_run_with_their_own_users_and_cannot_touch_each_others_objects(
    stack_with_own_users,
):
    stack = stack_with_own_users
    uris = stack.amqp_uris
    api_key = stack.ops("intake", "api-key", "create", "portal")
    stack.start_all()

    delegation, program = register_and_submit(stack, api_key)
    wait_for(lambda: emails(stack), timeout=30, what="the receipt sent by notify")
    wait_for(
        lambda: rows(
            stack.database_urls["matching"],
            "select id from program where id = :id",
            id=program["id"],
        ),
        what="matching's copy of the program",
    )
    for service in uris:
        assert "ACCESS_REFUSED" not in stack.logs(service)

    # another service's exchange: matching may not forge intake's events
    assert "intake.events" in refused(
        lambda: publish(uris["matching"], "intake.events", "program_submitted")
    )
    assert "matching.events" in refused(
        lambda: publish(uris["notify"], "matching.events", "anything_happened")
    )
    # another service's queues: matching may not read notify's (nor its retries)
    assert "notify.handle_program_submitted" in refused(
        lambda: consume(uris["matching"], "notify.handle_program_submitted")
    )
    assert "matching.dead" in refused(lambda: consume(uris["intake"], "matching.dead"))
    # an event it has no handler for: emails travel to notify only
    assert "delegation_contacts_updated" in refused(
        lambda: bind(
            uris["matching"],
            "matching.handle_program_submitted",
            "intake.events",
            "delegation_contacts_updated",
        )
    )
    # what it does need is allowed: its own retry exchange and its own queue
    publish(uris["matching"], "matching.retry.1000", "matching.handle_program_submitted")
    bind(
        uris["matching"], "matching.handle_program_submitted", "intake.events", "program_submitted"
    )
