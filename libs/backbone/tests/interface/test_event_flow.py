"""The backbone against the real RabbitMQ and real databases (SQLite and
PostgreSQL): outbox relay, inbox, retries, parking and replay."""

import json

import pytest
import sqlalchemy as sa
from kombu import Connection, Exchange, Queue
from nameko.web.handlers import http

from rueda_backbone import (
    Database,
    Event,
    LoggingContext,
    PermanentFailure,
    event_handler,
    parking,
    tables,
)
from rueda_backbone.database import Store
from rueda_backbone.outbox import OutboxRelay
from rueda_backbone.testing import publish_event, publish_raw, wait_for

pytestmark = pytest.mark.broker

effects = sa.Table(
    "effect",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("event_id", sa.String(64)),
    sa.Column("note", sa.String(100)),
)
FLAKY = {"failures_left": 0}


class ProducerService:
    name = "producer"
    db = Database()

    @http("POST", "/things")
    def make_thing(self, request):
        with self.db.transaction() as uow:
            uow.session.execute(sa.insert(effects).values(event_id="-", note="made"))
            uow.publish(Event("thing_made", {"n": json.loads(request.get_data())["n"]}))
        return 201, "made"


class ConsumerService:
    name = "consumer"
    db = Database()
    log = LoggingContext()

    @event_handler("producer", "thing_made")
    def handle_thing_made(self, event):
        if event.payload.get("n") == "poison":
            raise PermanentFailure("n must be a number")
        if FLAKY["failures_left"] > 0:
            FLAKY["failures_left"] -= 1
            raise ConnectionError("downstream briefly unavailable")
        with self.db.transaction() as uow:
            uow.session.execute(
                sa.insert(effects).values(event_id=event.event_id, note=str(event.payload["n"]))
            )


@pytest.fixture
def config(service_config):
    engine = sa.create_engine(service_config["DATABASE_URL"])
    tables.metadata.create_all(engine)
    effects.metadata.create_all(engine)
    engine.dispose()
    FLAKY["failures_left"] = 0
    return service_config


def effect_rows(config):
    with Store.for_url(config["DATABASE_URL"]).transaction() as session:
        return [
            tuple(r)
            for r in session.execute(
                sa.select(effects.c.event_id, effects.c.note).where(effects.c.event_id != "-")
            )
        ]


def test_a_committed_event_reaches_its_consumer_once(container_factory, config):
    container_factory(ConsumerService, config).start()
    event = publish_event(config["AMQP_URI"], "producer", "thing_made", {"n": 1})
    wait_for(lambda: effect_rows(config), what="the consumer's effect")
    assert effect_rows(config) == [(event.event_id, "1")]


def test_the_same_event_delivered_twice_has_one_effect(container_factory, config):
    container_factory(ConsumerService, config).start()
    first = publish_event(config["AMQP_URI"], "producer", "thing_made", {"n": 7})
    publish_event(config["AMQP_URI"], "producer", "thing_made", {"n": 7}, event_id=first.event_id)
    publish_event(config["AMQP_URI"], "producer", "thing_made", {"n": 8})
    wait_for(lambda: len(effect_rows(config)) >= 2, what="both distinct events")
    assert sorted(note for _id, note in effect_rows(config)) == ["7", "8"]


def test_an_undecodable_message_is_parked_with_its_reason_and_later_ones_still_flow(
    container_factory, config
):
    container_factory(ConsumerService, config).start()
    publish_raw(config["AMQP_URI"], "producer.events", "thing_made", b"{not json")
    good = publish_event(config["AMQP_URI"], "producer", "thing_made", {"n": 2})
    wait_for(lambda: effect_rows(config), what="the valid event")
    store = Store.for_url(config["DATABASE_URL"])
    parked = wait_for(lambda: parking.list_parked(store), what="the parked message")
    assert len(parked) == 1
    assert parked[0].queue == "consumer.handle_thing_made"
    assert "not JSON" in parked[0].reason and parked[0].body == b"{not json"
    assert effect_rows(config) == [(good.event_id, "2")]


def test_a_permanent_failure_is_parked_at_once(container_factory, config):
    container_factory(ConsumerService, config).start()
    publish_event(config["AMQP_URI"], "producer", "thing_made", {"n": "poison"})
    store = Store.for_url(config["DATABASE_URL"])
    parked = wait_for(lambda: parking.list_parked(store), what="the parked message")
    assert parked[0].attempts == 1 and "n must be a number" in parked[0].reason


def test_a_transient_failure_is_retried_with_backoff_and_then_succeeds(container_factory, config):
    FLAKY["failures_left"] = 2  # config allows two retries
    container_factory(ConsumerService, config).start()
    event = publish_event(config["AMQP_URI"], "producer", "thing_made", {"n": 3})
    wait_for(lambda: effect_rows(config), timeout=15, what="the retried event")
    assert effect_rows(config) == [(event.event_id, "3")]
    assert parking.list_parked(Store.for_url(config["DATABASE_URL"])) == []


def test_retries_run_out_into_the_parked_store_and_ops_can_replay(container_factory, config):
    FLAKY["failures_left"] = 3  # one more failure than retries
    container_factory(ConsumerService, config).start()
    event = publish_event(config["AMQP_URI"], "producer", "thing_made", {"n": 4})
    store = Store.for_url(config["DATABASE_URL"])
    parked = wait_for(lambda: parking.list_parked(store), timeout=15, what="parking")
    assert parked[0].attempts == 3 and "gave up after 3 attempts" in parked[0].reason
    assert "ConnectionError" in parked[0].reason and effect_rows(config) == []

    from rueda_backbone.topology import topology_from_config

    parking.replay(
        store,
        amqp_uri=config["AMQP_URI"],
        topology=topology_from_config("consumer", config),
        ids=[parked[0].id],
    )
    wait_for(lambda: effect_rows(config), timeout=15, what="the replayed event")
    assert effect_rows(config) == [(event.event_id, "4")]
    assert parking.list_parked(store) == []
    assert parking.list_parked(store, include_replayed=True)[0].replay_count == 1


def test_the_relay_publishes_committed_events_with_confirms(
    container_factory, config, web_session_for
):
    container_factory(ProducerService, config).start()
    with Connection(config["AMQP_URI"]) as connection:
        queue = Queue(
            "spy", Exchange("producer.events", "topic", durable=True), routing_key="thing_made"
        )
        queue.bind(connection.channel()).declare()
        response = web_session_for(config).post("/things", data=json.dumps({"n": 5}))
        assert response.status_code == 201
        with connection.SimpleQueue(queue) as simple:
            message = simple.get(timeout=10)
            body = json.loads(message.body)
            message.ack()
    assert body["event_type"] == "thing_made" and body["payload"] == {"n": 5}
    assert body["producer"] == "producer" and message.properties["message_id"] == body["event_id"]
    wait_for(lambda: _outbox_statuses(config) == ["sent"], what="the row marked sent")


def test_an_event_nobody_listens_to_yet_stays_in_the_outbox(config):
    store = Store.for_url(config["DATABASE_URL"])
    from rueda_backbone.outbox import UnitOfWork

    with store.transaction() as session:
        UnitOfWork(session, producer="lonely", correlation_id="c").publish(
            Event("thing_made", {"n": 1})
        )
    relay = OutboxRelay(store, producer="lonely", amqp_uri=config["AMQP_URI"])
    result = relay.relay_once()
    assert (result.published, result.failed) == (0, 1)
    with store.transaction() as session:
        row = session.execute(sa.select(tables.outbox)).one()
    assert row.status == "pending" and "unroutable" in row.last_error


def test_two_relays_side_by_side_publish_every_event_exactly_once(config):
    store = Store.for_url(config["DATABASE_URL"])
    from rueda_backbone.outbox import UnitOfWork

    with Connection(config["AMQP_URI"]) as connection:
        queue = Queue(
            "spy2", Exchange("producer.events", "topic", durable=True), routing_key="thing_made"
        )
        queue.bind(connection.channel()).declare()
        with store.transaction() as session:
            uow = UnitOfWork(session, producer="producer", correlation_id="c")
            uow.publish(*[Event("thing_made", {"n": i}) for i in range(60)])
        import eventlet

        relays = [
            OutboxRelay(store, producer="producer", amqp_uri=config["AMQP_URI"], batch_size=7)
            for _ in range(2)
        ]

        def drain(relay):
            while relay.relay_once().published:
                pass

        pool = eventlet.GreenPool()
        for relay in relays:
            pool.spawn(drain, relay)
        pool.waitall()
        seen = []
        with connection.SimpleQueue(queue) as simple:
            while True:
                try:
                    message = simple.get(timeout=1)
                except simple.Empty:
                    break
                seen.append(json.loads(message.body)["payload"]["n"])
                message.ack()
    assert sorted(seen) == list(range(60))


def _outbox_statuses(config):
    with Store.for_url(config["DATABASE_URL"]).transaction() as session:
        return [r.status for r in session.execute(sa.select(tables.outbox.c.status))]


@pytest.fixture
def web_session_for():
    import requests

    class Session:
        def __init__(self, config):
            self.base = f"http://{config['WEB_SERVER_ADDRESS']}"

        def post(self, path, **kwargs):
            return requests.post(self.base + path, timeout=10, **kwargs)

    return Session
