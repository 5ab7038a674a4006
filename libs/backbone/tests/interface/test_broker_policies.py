"""Delivery limit, retry TTLs and dead letters come from RabbitMQ policies,
not queue arguments: the backbone sets them itself where no definitions file
is loaded (here: nameko's vhost, with management credentials), retries and
the delivery limit work through them, and a broker that still holds the
queues a version before the policies declared (with arguments) keeps
working."""

import json

import pytest
import requests
import sqlalchemy as sa
from amqp.exceptions import PreconditionFailed
from kombu import Connection, Exchange, Queue

from rueda_backbone import Database, PermanentFailure, event_handler, parking, tables
from rueda_backbone.database import Store
from rueda_backbone.testing import publish_event, wait_for
from rueda_backbone.topology import declare, vhost_of

pytestmark = pytest.mark.broker

HANDLER_QUEUE = "consumer.handle_thing_made"
effects = sa.Table(
    "policy_effect",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("event_id", sa.String(64)),
)
FLAKY = {"failures_left": 0}


class ConsumerService:
    name = "consumer"
    db = Database()

    @event_handler("producer", "thing_made")
    def handle_thing_made(self, event):
        if event.payload.get("n") == "poison":
            raise PermanentFailure("n must be a number")
        if FLAKY["failures_left"] > 0:
            FLAKY["failures_left"] -= 1
            raise ConnectionError("downstream briefly unavailable")
        with self.db.transaction() as uow:
            uow.session.execute(sa.insert(effects).values(event_id=event.event_id))


@pytest.fixture
def config(service_config):
    engine = sa.create_engine(service_config["DATABASE_URL"])
    tables.metadata.create_all(engine)
    effects.metadata.create_all(engine)
    engine.dispose()
    FLAKY["failures_left"] = 0
    return {**service_config, "EVENT_DELIVERY_LIMIT": 2}


def management(config, path):
    response = requests.get(f"{config['BROKER_MANAGEMENT_URL']}/api/{path}", timeout=10)
    response.raise_for_status()
    return response.json()


def queue_arguments(config, name):
    vhost = requests.utils.quote(vhost_of(config["AMQP_URI"]), safe="")
    return management(config, f"queues/{vhost}/{name}")["arguments"]


def effect_ids(config):
    with Store.for_url(config["DATABASE_URL"]).transaction() as session:
        return [r.event_id for r in session.execute(sa.select(effects.c.event_id))]


def test_the_backbone_sets_its_policies_and_its_queues_carry_only_their_type(
    container_factory, config
):
    container_factory(ConsumerService, config).start()
    vhost = requests.utils.quote(vhost_of(config["AMQP_URI"]), safe="")
    policies = {p["name"]: p for p in management(config, f"policies/{vhost}")}
    assert policies["consumer.handlers"]["definition"] == {
        "delivery-limit": 2,
        "dead-letter-exchange": "consumer.dead",
    }
    assert policies["consumer.handlers"]["apply-to"] == "queues"
    for ms in (100, 200):
        assert policies[f"consumer.retry.{ms}"]["definition"] == {
            "message-ttl": ms,
            "dead-letter-exchange": "consumer.redeliver",
        }
    assert queue_arguments(config, HANDLER_QUEUE) == {"x-queue-type": "quorum"}
    assert queue_arguments(config, "consumer.retry.100") == {}
    assert queue_arguments(config, "consumer.dead") == {}


def test_retries_wait_out_the_ttl_of_their_policy_and_come_back(container_factory, config):
    FLAKY["failures_left"] = 2  # both retry delays, 0.1 s then 0.2 s
    container_factory(ConsumerService, config).start()
    event = publish_event(config["AMQP_URI"], "producer", "thing_made", {"n": 1})
    wait_for(lambda: effect_ids(config), timeout=15, what="the retried event")
    assert effect_ids(config) == [event.event_id]


def test_a_retried_message_over_its_delivery_limit_is_swept_into_the_parked_table(
    container_factory, config
):
    container = container_factory(ConsumerService, config)
    container.start()
    container.stop()  # nobody consumes: this test plays the worker that keeps dying
    store = Store.for_url(config["DATABASE_URL"])
    with Connection(config["AMQP_URI"]) as connection:
        # as the service's first retry: to consumer.retry.100, back by its TTL policy
        retry = Exchange("consumer.retry.100", type="fanout", durable=True, no_declare=True)
        connection.Producer().publish(
            json.dumps({"n": 2}),
            exchange=retry,
            routing_key=HANDLER_QUEUE,
            headers={parking.ATTEMPT_HEADER: 1},
            message_id="m-1",
            type="thing_made",
        )
        channel = connection.channel()
        deliveries = 0

        def returned_until_gone():
            nonlocal deliveries
            message = channel.basic_get(HANDLER_QUEUE)
            if message is None:
                return deliveries > 0  # not back yet, or gone after the last return
            deliveries += 1
            channel.basic_reject(message.delivery_tag, requeue=True)
            return False

        wait_for(returned_until_gone, timeout=15, what="the message dead-lettered")
        # the delivery limit of the policy (2) and not RabbitMQ's unlimited default
        assert deliveries == 3
    # the next start's housekeeping sweeps consumer.dead into the parked table
    container_factory(ConsumerService, config).start()
    (parked,) = wait_for(lambda: parking.list_parked(store), what="the swept message")
    # the latest death, not the first one (its wait in consumer.retry.100)
    assert parked.queue == HANDLER_QUEUE
    assert parked.reason.startswith("delivery limit reached")
    assert parked.attempts == 1 and parked.event_id == "m-1"


def declare_as_before_the_policies(config):
    """What a version before the policies declared (x-arguments)."""
    redeliver = Exchange("consumer.redeliver", type="direct", durable=True)
    with Connection(config["AMQP_URI"]) as connection:
        channel = connection.channel()
        Exchange("producer.events", type="topic", durable=True).bind(channel).declare()
        for ms in (100, 200):
            Queue(
                f"consumer.retry.{ms}",
                Exchange(f"consumer.retry.{ms}", type="fanout", durable=True),
                durable=True,
                queue_arguments={
                    "x-message-ttl": ms,
                    "x-dead-letter-exchange": "consumer.redeliver",
                },
            ).bind(channel).declare()
        redeliver.bind(channel).declare()
        Queue(
            HANDLER_QUEUE,
            durable=True,
            queue_arguments={
                "x-queue-type": "quorum",
                "x-delivery-limit": 20,
                "x-dead-letter-exchange": "consumer.dead",
            },
        ).bind(channel).declare()


def test_a_service_starts_over_queues_declared_with_the_old_arguments_and_still_retries(
    container_factory, config
):
    declare_as_before_the_policies(config)
    FLAKY["failures_left"] = 2
    container_factory(ConsumerService, config).start()
    event = publish_event(config["AMQP_URI"], "producer", "thing_made", {"n": 3})
    wait_for(lambda: effect_ids(config), timeout=15, what="the retried event")
    assert effect_ids(config) == [event.event_id]
    # used as they were, arguments and all, until ops recreate them
    assert queue_arguments(config, HANDLER_QUEUE)["x-delivery-limit"] == 20
    assert queue_arguments(config, "consumer.retry.100")["x-message-ttl"] == 100

    # ops can still replay through the old retry queues
    publish_event(config["AMQP_URI"], "producer", "thing_made", {"n": "poison"})
    store = Store.for_url(config["DATABASE_URL"])
    (parked,) = wait_for(lambda: parking.list_parked(store), what="the poison parked")
    from rueda_backbone.topology import topology_from_config

    assert parking.replay(
        store,
        amqp_uri=config["AMQP_URI"],
        ids=[parked.id],
        topology=topology_from_config("consumer", config),
    ) == [parked.id]
    wait_for(
        lambda: (
            len(parking.list_parked(store)) == 1 and parking.list_parked(store)[0].id != parked.id
        ),
        what="the replayed poison parked again",
    )


def test_a_queue_that_differs_in_anything_else_is_still_refused(config):
    with Connection(config["AMQP_URI"]) as connection:
        Queue("consumer.other", durable=True, queue_arguments={"x-max-length": 5}).bind(
            connection.channel()
        ).declare()
        with pytest.raises(PreconditionFailed, match="x-max-length"):
            declare(connection, Queue("consumer.other", durable=True))
