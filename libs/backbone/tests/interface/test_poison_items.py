"""One poison item among good ones, against the real RabbitMQ and database:
the outbox relay sets aside a row that can never be published (too large,
cannot be encoded, refused by the broker again and again) and publishes the
rows after it; the dead-letter sweep files the messages behind one it cannot
park as it came."""

import json

import pytest
import sqlalchemy as sa
from kombu import Connection, Exchange, Queue, producers

from rueda_backbone import Event, metrics, ops, outbox, parking, tables
from rueda_backbone.database import Store
from rueda_backbone.outbox import OutboxRelay, UnitOfWork
from rueda_backbone.topology import Topology, declare

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


@pytest.fixture
def things(connection):
    queue = Queue("poison.things", EXCHANGE, routing_key="thing_made")
    queue.bind(connection.channel()).declare()
    queue.bind(connection.channel()).purge()
    return queue


def write(store, *events):
    with store.transaction() as session:
        UnitOfWork(session, producer="producer", correlation_id="c").publish(*events)


def rows(store):
    with store.transaction() as session:
        return [
            dict(
                id=row.id,
                status=row.status,
                attempts=row.attempts,
                last_error=row.last_error,
                n=json.loads(row.body)["payload"]["n"],
            )
            for row in session.execute(sa.select(tables.outbox).order_by(tables.outbox.c.id))
        ]


def make_due(store):
    with store.transaction() as session:
        session.execute(sa.update(tables.outbox).values(next_attempt_at=tables.outbox.c.created_at))


def drain(connection, queue):
    """What the queue holds, in order, a duplicate counted once (consumers'
    inboxes drop it)."""
    seen = []
    with connection.SimpleQueue(queue) as simple:
        while True:
            try:
                message = simple.get(timeout=1)
            except simple.Empty:
                return seen
            n = json.loads(message.body)["payload"]["n"]
            if n not in seen:
                seen.append(n)
            message.ack()


def counter(name, **labels):
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


class PoisonRelay(OutboxRelay):
    """A relay whose message for the row with payload n == 2 is `poison`."""

    def __init__(self, *args, poison, **kwargs):
        super().__init__(*args, **kwargs)
        self.poison = poison

    def _outgoing(self, row, body):
        outgoing = super()._outgoing(row, body)
        if json.loads(body)["payload"]["n"] == 2:
            self.poison(outgoing)
        return outgoing


def test_a_row_larger_than_the_broker_takes_is_set_aside_and_the_rest_go(
    service_config, store, connection, things
):
    write(
        store,
        *[Event("thing_made", {"n": n, "pad": "x" * (5000 if n == 2 else 0)}) for n in range(5)],
    )
    relay = OutboxRelay(
        store, producer="producer", amqp_uri=service_config["AMQP_URI"], max_message_bytes=4000
    )
    before = counter("rueda_outbox_rows_failed_total", service="producer", event_type="thing_made")

    result = relay.relay_once()

    assert (result.published, result.set_aside) == (4, 1)
    assert drain(connection, things) == [0, 1, 3, 4]
    state = rows(store)
    assert [r["status"] for r in state] == ["sent", "sent", "failed", "sent", "sent"]
    assert "over the broker's 4000" in state[2]["last_error"]
    assert (
        counter("rueda_outbox_rows_failed_total", service="producer", event_type="thing_made")
        == before + 1
    )
    # not retried: the next pass has nothing to do
    make_due(store)
    assert relay.relay_once().published == 0
    # visible to ops and in the gauge, and put back by ops once the limit is raised
    report = outbox.backlog(store)
    assert (report["pending"], report["failed"]) == (0, 1)
    metrics.refresh_gauges("producer", store)
    assert counter("rueda_outbox_failed", service="producer") == 1
    assert [r["id"] for r in outbox.failed_rows(store)] == [state[2]["id"]]
    assert outbox.retry_failed(store, [state[2]["id"]]) == [state[2]["id"]]
    relay.max_message_bytes = 1_000_000
    assert relay.relay_once().published == 1
    assert drain(connection, things) == [2]


def test_a_row_that_cannot_be_encoded_fails_alone(service_config, store, connection, things):
    def unencodable(outgoing):
        outgoing.properties["correlation_id"] = "c" * 300  # AMQP short strings: 255 at most

    write(store, *[Event("thing_made", {"n": n}) for n in range(5)])
    relay = PoisonRelay(
        store, producer="producer", amqp_uri=service_config["AMQP_URI"], poison=unencodable
    )

    result = relay.relay_once()

    assert (result.published, result.set_aside, result.unreachable) == (4, 1, 0)
    assert drain(connection, things) == [0, 1, 3, 4]
    poisoned = rows(store)[2]
    assert poisoned["status"] == "failed"
    assert poisoned["last_error"].startswith("cannot be published: ")


def test_a_row_the_broker_refuses_is_found_set_aside_after_its_retries(
    service_config, store, connection, things
):
    def refused(outgoing):
        # RabbitMQ closes the channel (406 PRECONDITION_FAILED) on this one
        outgoing.properties["expiration"] = "never"

    write(store, *[Event("thing_made", {"n": n}) for n in range(6)])
    relay = PoisonRelay(
        store,
        producer="producer",
        amqp_uri=service_config["AMQP_URI"],
        poison=refused,
        max_attempts=2,
    )

    result = relay.relay_once()

    # the rows the closed channel left unconfirmed went again one by one
    assert (result.published, result.failed, result.unreachable) == (5, 1, 0)
    assert drain(connection, things) == [0, 1, 3, 4, 5]
    poisoned = rows(store)[2]
    assert (poisoned["status"], poisoned["attempts"]) == ("pending", 1)
    assert "PRECONDITION_FAILED" in poisoned["last_error"]

    write(store, Event("thing_made", {"n": 6}))
    make_due(store)
    result = relay.relay_once()

    assert (result.published, result.set_aside) == (1, 1)
    assert drain(connection, things) == [6]
    poisoned = rows(store)[2]
    assert (poisoned["status"], poisoned["attempts"]) == ("failed", 2)
    assert poisoned["last_error"].startswith("gave up after 2 attempts; last error: refused")
    make_due(store)
    assert relay.relay_once().published == 0


def test_ops_see_failed_rows_and_put_them_back(service_config, store, tmp_path, capsys):
    write(store, *[Event("thing_made", {"n": n}) for n in range(2)])
    with store.transaction() as session:
        session.execute(
            sa.update(tables.outbox)
            .where(tables.outbox.c.id == 2)
            .values(status=tables.OUTBOX_FAILED, last_error="cannot be published: too large")
        )
    config = tmp_path / "config.yml"
    config.write_text(
        f"DATABASE_URL: {service_config['DATABASE_URL']}\nAMQP_URI: {service_config['AMQP_URI']}\n"
    )

    assert ops.main(["--config", str(config), "outbox", "status"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["pending"], report["failed"]) == (1, 1)
    assert report["failed_rows"][0]["last_error"] == "cannot be published: too large"

    assert ops.main(["--config", str(config), "outbox", "retry", "2"]) == 0
    assert "put back 1 row(s): 2" in capsys.readouterr().out
    assert outbox.backlog(store)["pending"] == 2
    assert ops.main(["--config", str(config), "outbox", "retry", "2"]) == 1


# -- the dead-letter sweep ---------------------------------------------------------


@pytest.fixture
def topology(connection):
    topology = Topology("sweeper", retry_delays=[0.1])
    for entity in topology.declarations():
        declare(connection, entity)
    topology.dead_queue.bind(connection.channel()).purge()
    return topology


def dead_letter(connection, topology, n, **headers):
    with producers[connection].acquire(block=True) as producer:
        producer.publish(
            json.dumps({"n": n}).encode(),
            exchange=topology.dead_exchange,
            routing_key="",
            message_id=f"event-{n}",
            type="thing_made",
            content_type="application/json",
            headers={
                parking.QUEUE_HEADER: "sweeper.handler",
                parking.REASON_HEADER: "gave up",
                **headers,
            },
        )


def parked(store):
    return [(m.event_id, m.attempts, m.reason) for m in parking.list_parked(store)]


def test_a_dead_letter_that_cannot_be_parked_as_it_came_is_filed_with_what_can_be_kept(
    store, connection, topology
):
    dead_letter(connection, topology, 1, **{parking.ATTEMPT_HEADER: 3})
    dead_letter(connection, topology, 2, **{parking.ATTEMPT_HEADER: "many"})  # not a number
    dead_letter(connection, topology, 3, **{parking.ATTEMPT_HEADER: 3})

    moved = parking.sweep_dead_letters(store, connection=connection, topology=topology)

    assert moved == 3
    found = parked(store)
    assert [(event_id, attempts) for event_id, attempts, _ in found] == [
        ("event-1", 3),
        ("event-2", 0),
        ("event-3", 3),
    ]
    assert "could not be parked as it came: ValueError" in found[1][2]


def test_a_dead_letter_that_cannot_be_parked_at_all_stays_and_the_others_move(
    store, connection, topology, monkeypatch
):
    real_park = parking.park

    def park(store, **values):
        if values["event_id"] == "event-2":
            raise RuntimeError("refused")
        return real_park(store, **values)

    monkeypatch.setattr(parking, "park", park)
    for n in (1, 2, 3):
        dead_letter(connection, topology, n)
    before = counter("rueda_loop_item_failures_total", service="sweeper", loop="dead_letter_sweep")

    assert parking.sweep_dead_letters(store, connection=connection, topology=topology) == 2

    assert [event_id for event_id, _, _ in parked(store)] == ["event-1", "event-3"]
    assert (
        counter("rueda_loop_item_failures_total", service="sweeper", loop="dead_letter_sweep")
        == before + 1
    )
    monkeypatch.setattr(parking, "park", real_park)
    # it waits in the dead-letter queue for the next sweep
    assert parking.sweep_dead_letters(store, connection=connection, topology=topology) == 1
    assert [event_id for event_id, _, _ in parked(store)] == ["event-1", "event-3", "event-2"]
