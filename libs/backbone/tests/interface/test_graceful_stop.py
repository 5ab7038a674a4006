"""What a Kubernetes rollout relies on: stopping a service (SIGTERM -> nameko's
container.stop) lets the handler already running finish, commits its effect,
acks its message and publishes the events it caused, so nothing is left for
another replica to redo. And while every worker is busy, the probes still
answer: a busy pod is not a dead one."""

import json

import eventlet
import pytest
import sqlalchemy as sa
from eventlet.event import Event as Signal
from kombu import Connection, Exchange, Queue

from rueda_backbone import Database, Event, event_handler, tables
from rueda_backbone.database import Store
from rueda_backbone.health import health_endpoint
from rueda_backbone.testing import publish_event, wait_for

pytestmark = pytest.mark.broker

HANDLER = {}


class SlowService:
    name = "slow"
    db = Database()

    @event_handler("elsewhere", "thing_made")
    def handle_thing_made(self, event):
        HANDLER["started"].send(True)
        HANDLER["release"].wait()
        with self.db.transaction() as uow:
            uow.publish(Event("thing_handled", {"n": event.payload["n"]}))

    health = health_endpoint()


@pytest.fixture
def config(service_config):
    engine = sa.create_engine(service_config["DATABASE_URL"])
    tables.metadata.create_all(engine)
    engine.dispose()
    HANDLER.update(started=Signal(), release=Signal())
    return service_config


def test_stopping_lets_the_running_handler_finish_ack_and_publish(container_factory, config):
    container = container_factory(SlowService, config)
    container.start()
    with Connection(config["AMQP_URI"]) as connection:
        # a consumer of slow's events, bound before anything is published
        watcher = Queue(
            "watcher",
            Exchange("slow.events", type="topic", durable=True),
            routing_key="thing_handled",
            durable=False,
        )(connection.channel())
        watcher.declare()
        publish_event(config["AMQP_URI"], "elsewhere", "thing_made", {"n": 1})
        HANDLER["started"].wait()

        stopping = eventlet.spawn(container.stop)
        eventlet.sleep(0)  # stop begins while the handler is still running
        assert not stopping.dead
        HANDLER["release"].send(True)
        stopping.wait()

        with Store.for_url(config["DATABASE_URL"]).transaction() as session:
            rows = session.execute(sa.select(tables.inbox.c.handler)).all()
            pending = session.execute(
                sa.select(sa.func.count())
                .select_from(tables.outbox)
                .where(tables.outbox.c.status == tables.OUTBOX_PENDING)
            ).scalar_one()
        assert [r.handler for r in rows] == ["slow.handle_thing_made"]
        assert pending == 0  # the relay's last pass published it
        channel = connection.channel()
        # acked, not requeued for another replica to run again
        _name, ready, _consumers = channel.queue_declare("slow.handle_thing_made", passive=True)
        assert ready == 0
        message = wait_for(lambda: watcher.get(no_ack=True), what="the event it published")
        assert json.loads(message.body)["event_type"] == "thing_handled"


def test_probes_answer_while_every_worker_is_busy(container_factory, config):
    import requests

    container = container_factory(SlowService, {**config, "max_workers": 1})
    container.start()
    publish_event(config["AMQP_URI"], "elsewhere", "thing_made", {"n": 1})
    HANDLER["started"].wait()
    base = f"http://{config['WEB_SERVER_ADDRESS']}"
    try:
        # the only worker is taken: anything needing one would wait for it
        assert requests.get(f"{base}/health/live", timeout=5).status_code == 200
        assert requests.get(f"{base}/health/ready", timeout=5).status_code == 200
        assert requests.get(f"{base}/metrics", timeout=5).status_code == 200
    finally:
        HANDLER["release"].send(True)
