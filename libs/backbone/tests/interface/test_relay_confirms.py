"""The outbox relay's pipelined publisher confirms against the real RabbitMQ:
a batch in which the broker refuses one message (unroutable under the
mandatory flag, or nacked) sends the rest in order, keeps the refused one
pending and sends it on a later pass; rows a dead relay had claimed go to
another relay once its short lease ran out."""

import json

import pytest
import sqlalchemy as sa
from kombu import Connection, Exchange, Queue

from rueda_backbone import Event, tables
from rueda_backbone.database import Store
from rueda_backbone.outbox import OutboxRelay, UnitOfWork
from rueda_backbone.testing import wait_for

pytestmark = pytest.mark.broker

EXCHANGE = Exchange("producer.events", "topic", durable=True)


@pytest.fixture
def store(service_config):
    store = Store.for_url(service_config["DATABASE_URL"])
    tables.metadata.create_all(store.engine)
    return store


@pytest.fixture
def connection(service_config):
    with Connection(service_config["AMQP_URI"]) as connection:
        yield connection


def bind(connection, name, routing_key, **arguments):
    queue = Queue(name, EXCHANGE, routing_key=routing_key, queue_arguments=arguments or None)
    queue.bind(connection.channel()).declare()
    return queue


def write(store, *events):
    with store.transaction() as session:
        UnitOfWork(session, producer="producer", correlation_id="c").publish(*events)


def outbox(store):
    with store.transaction() as session:
        return [
            dict(
                event_type=row.event_type,
                status=row.status,
                last_error=row.last_error,
                n=json.loads(row.body)["payload"].get("n"),
            )
            for row in session.execute(sa.select(tables.outbox).order_by(tables.outbox.c.id))
        ]


def make_due(store):
    """Skip the backoff a refused row waits (seconds), as time passing would."""
    with store.transaction() as session:
        session.execute(sa.update(tables.outbox).values(next_attempt_at=tables.outbox.c.created_at))


def drain(connection, queue):
    seen = []
    with connection.SimpleQueue(queue) as simple:
        while True:
            try:
                message = simple.get(timeout=1)
            except simple.Empty:
                return seen
            seen.append(json.loads(message.body)["payload"]["n"])
            message.ack()


def test_an_unroutable_event_in_a_batch_stays_pending_and_goes_once_a_queue_is_bound(
    service_config, store, connection
):
    things = bind(connection, "spy-things", "thing_made")
    write(
        store,
        *[Event("thing_made", {"n": n}) for n in range(3)],
        Event("orphan_made", {"n": 99}),
        *[Event("thing_made", {"n": n}) for n in range(3, 6)],
    )
    relay = OutboxRelay(store, producer="producer", amqp_uri=service_config["AMQP_URI"])

    result = relay.relay_once()

    assert (result.published, result.failed) == (6, 1)
    rows = outbox(store)
    orphan = next(row for row in rows if row["event_type"] == "orphan_made")
    assert orphan["status"] == "pending" and "unroutable" in orphan["last_error"]
    assert [row["status"] for row in rows if row["event_type"] == "thing_made"] == ["sent"] * 6
    assert drain(connection, things) == [0, 1, 2, 3, 4, 5]  # the rest in order

    orphans = bind(connection, "spy-orphans", "orphan_made")
    make_due(store)
    result = relay.relay_once()
    assert (result.published, result.failed) == (1, 0)
    assert [row["status"] for row in outbox(store)] == ["sent"] * 7
    assert drain(connection, orphans) == [99]
    assert drain(connection, things) == []  # nothing sent twice


def test_a_nacked_event_stays_pending_and_is_sent_on_a_later_pass(
    service_config, store, connection
):
    # a queue that holds two messages and has the broker nack any more
    full = bind(
        connection, "spy-full", "thing_made", **{"x-max-length": 2, "x-overflow": "reject-publish"}
    )
    write(store, *[Event("thing_made", {"n": n}) for n in range(3)])
    relay = OutboxRelay(store, producer="producer", amqp_uri=service_config["AMQP_URI"])

    result = relay.relay_once()

    assert (result.published, result.failed) == (2, 1)
    rows = outbox(store)
    assert [row["status"] for row in rows] == ["sent", "sent", "pending"]
    assert "nacked" in rows[2]["last_error"]
    assert drain(connection, full) == [0, 1]

    make_due(store)
    assert relay.relay_once().published == 1
    assert [row["status"] for row in outbox(store)] == ["sent"] * 3
    assert drain(connection, full) == [2]


def test_rows_claimed_by_a_relay_that_died_go_to_another_once_its_lease_ends(
    service_config, store, connection
):
    things = bind(connection, "spy-lease", "thing_made")
    write(store, *[Event("thing_made", {"n": n}) for n in range(4)])
    dead = OutboxRelay(
        store, producer="producer", amqp_uri=service_config["AMQP_URI"], lease_seconds=1
    )
    assert len(dead._claim()) == 4  # ... and the process is killed before publishing
    alive = OutboxRelay(
        store, producer="producer", amqp_uri=service_config["AMQP_URI"], lease_seconds=1
    )
    assert alive.relay_once().published == 0  # still leased to the dead relay

    wait_for(
        lambda: alive.relay_once().published == 4,
        timeout=10,
        what="the dead relay's rows taken over",
    )
    assert drain(connection, things) == [0, 1, 2, 3]
    assert [row["status"] for row in outbox(store)] == ["sent"] * 4


def test_a_relay_renews_the_lease_of_rows_it_is_still_publishing(service_config, store):
    write(store, Event("thing_made", {"n": 1}))
    relay = OutboxRelay(
        store, producer="producer", amqp_uri=service_config["AMQP_URI"], lease_seconds=60
    )
    (row,) = relay._claim()
    with store.transaction() as session:
        before = session.scalar(sa.select(tables.outbox.c.claimed_until))
    wait_for(lambda: relay._renew([row.id]) or _claimed_until(store) > before, what="a later lease")
    other = OutboxRelay(store, producer="producer", amqp_uri=service_config["AMQP_URI"])
    other._renew([row.id])  # not its row: changes nothing
    with store.transaction() as session:
        claimed_by = session.scalar(sa.select(tables.outbox.c.claimed_by))
    assert claimed_by == relay.relay_id


def _claimed_until(store):
    with store.transaction() as session:
        return session.scalar(sa.select(tables.outbox.c.claimed_until))


def test_rows_the_broker_was_not_there_for_keep_no_backoff_of_their_own(store):
    from rueda_backbone.testing import free_port

    write(store, *[Event("thing_made", {"n": n}) for n in range(3)])
    nowhere = f"amqp://guest:guest@127.0.0.1:{free_port()}//"
    relay = OutboxRelay(store, producer="producer", amqp_uri=nowhere)

    result = relay.relay_once()

    assert (result.published, result.failed, result.unreachable) == (0, 0, 1)
    with store.transaction() as session:
        rows = list(session.execute(sa.select(tables.outbox).order_by(tables.outbox.c.id)))
    # released as they were: due at once, no attempt counted, no claim held
    assert [(r.status, r.attempts, r.claimed_by) for r in rows] == [("pending", 0, None)] * 3
    assert all(r.next_attempt_at == r.created_at for r in rows)
    assert "broker unreachable" in rows[0].last_error
