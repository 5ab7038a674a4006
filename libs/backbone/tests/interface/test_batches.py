"""Events of one queue that arrive together, against the real broker and real
databases: applied in one transaction and acked with one frame, each once;
a poison event among them fails alone, a duplicate is skipped, every other
event keeps its effect. And a row wakes its loop only when told to."""

from types import SimpleNamespace

import amqp
import eventlet
import pytest
import sqlalchemy as sa
from marshmallow import EXCLUDE, Schema, fields
from nameko.extensions import DependencyProvider
from sqlalchemy import event as sa_event

from rueda_backbone import (
    Clock,
    Database,
    Inbound,
    Invalid,
    Published,
    consumes,
    event_handlers,
    parking,
    tables,
)
from rueda_backbone.database import Store
from rueda_backbone.testing import publish_event, wait_for

pytestmark = pytest.mark.broker

things = sa.Table(
    "batched_thing",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(100)),
    sa.Column("correlation_id", sa.String(100)),
)


class ThingMade(Schema):
    class Meta:
        unknown = EXCLUDE

    name = fields.String(required=True)


class ThingRecorded(Schema):
    name = fields.String(required=True)


PUBLISHED = Published({("thing_recorded", 1): ThingRecorded})


def record_thing(message, *, uow, now, event_id):
    if message["name"] == "poison":
        # after a write, so the batch's transaction has something to undo
        uow.session.execute(sa.insert(things).values(name="half", correlation_id="-"))
        raise Invalid.field("name", "poison is refused")
    uow.session.execute(
        sa.insert(things).values(name=message["name"], correlation_id=uow.correlation_id)
    )
    assert event_id  # the edge gives each event its own id
    uow.publish(PUBLISHED.event("thing_recorded", {"name": message["name"]}))


@event_handlers(
    Inbound(consumes("maker", "thing_made", ThingMade, use_case=record_thing, uses="event_id"))
)
class BatchService:
    name = "batched"
    db = Database()
    clock = Clock()


@pytest.fixture
def config(service_config):
    engine = sa.create_engine(service_config["DATABASE_URL"])
    tables.metadata.create_all(engine)
    things.metadata.create_all(engine)
    engine.dispose()
    return service_config


@pytest.fixture
def acks(monkeypatch):
    """Every basic.ack the process sends: (delivery tag, multiple)."""
    sent = []
    original = amqp.Channel.basic_ack

    def basic_ack(self, delivery_tag, multiple=False, argsig="Lb"):
        sent.append((delivery_tag, multiple))
        return original(self, delivery_tag, multiple, argsig)

    monkeypatch.setattr(amqp.Channel, "basic_ack", basic_ack)
    return sent


def names(config):
    with Store.for_url(config["DATABASE_URL"]).transaction() as session:
        return sorted(session.scalars(sa.select(things.c.name)))


def queued_while_stopped(container_factory, config, payloads):
    """Start once so the queue exists, stop, publish, start again: the
    consumer then finds every event waiting, as after a burst."""
    first = container_factory(BatchService, config)
    first.start()
    first.stop()
    return [
        publish_event(
            config["AMQP_URI"],
            "maker",
            "thing_made",
            payload,
            event_id=event_id,
            correlation_id=f"corr-{n}",
        )
        for n, (payload, event_id) in enumerate(payloads)
    ]


def test_events_that_arrive_together_are_applied_in_one_transaction_and_acked_at_once(
    container_factory, config, acks
):
    queued_while_stopped(
        container_factory, config, [({"name": f"t{n:02d}"}, None) for n in range(30)]
    )
    commits = []

    def count(_connection):
        commits.append(1)

    engine = Store.for_url(config["DATABASE_URL"]).engine
    sa_event.listen(engine, "commit", count)
    try:
        container_factory(BatchService, config).start()
        wait_for(lambda: len(names(config)) == 30, what="every effect")
    finally:
        sa_event.remove(engine, "commit", count)
    assert names(config) == [f"t{n:02d}" for n in range(30)]
    with Store.for_url(config["DATABASE_URL"]).transaction() as session:
        inbox = session.scalar(sa.select(sa.func.count()).select_from(tables.inbox))
        # each event published under its own correlation id
        correlations = set(session.scalars(sa.select(things.c.correlation_id)))
    assert inbox == 30
    assert correlations == {f"corr-{n}" for n in range(30)}
    # far fewer commits than events (the relay's and the reads' included)
    assert len(commits) < 15, len(commits)
    wait_for(lambda: sum(1 for _tag, multiple in acks if multiple) >= 1, what="a multiple ack")
    assert len(acks) < 30


def test_a_poison_event_in_a_batch_fails_alone_and_a_duplicate_is_skipped(
    container_factory, config, acks
):
    payloads = [({"name": f"t{n:02d}"}, f"e-{n}") for n in range(10)]
    payloads.insert(4, ({"name": "poison"}, "e-poison"))
    payloads.insert(7, ({"name": "t02"}, "e-2"))  # the same event again
    queued_while_stopped(container_factory, config, payloads)
    container_factory(BatchService, config).start()
    store = Store.for_url(config["DATABASE_URL"])
    parked = wait_for(lambda: parking.list_parked(store), what="the poison event parked")
    wait_for(lambda: len(names(config)) == 10, what="the other effects")
    assert names(config) == [f"t{n:02d}" for n in range(10)]  # once each, no "half"
    assert len(parked) == 1 and parked[0].event_id == "e-poison"
    assert "poison is refused" in parked[0].reason
    with store.transaction() as session:
        inbox = set(session.scalars(sa.select(tables.inbox.c.event_id)))
    assert inbox == {f"e-{n}" for n in range(10)}


WOKEN = []


class Loop(DependencyProvider):
    """Stands for a sender the row wakes: counts its wake-ups."""

    def get_dependency(self, worker_ctx):
        return SimpleNamespace(wake=lambda: WOKEN.append(1))


def deliveries_for(message, *, uow, now):
    return [message["name"]] if message["name"].startswith("for-") else []


@event_handlers(
    Inbound(
        consumes(
            "maker",
            "thing_made",
            ThingMade,
            use_case=deliveries_for,
            wakes="loop",
            wake_when=bool,
        )
    )
)
class WakingService:
    name = "waking"
    db = Database()
    clock = Clock()
    loop = Loop()


def test_a_row_with_wake_when_wakes_only_for_a_result_worth_it(container_factory, config):
    WOKEN.clear()
    container_factory(WakingService, config).start()
    store = Store.for_url(config["DATABASE_URL"])

    def handled():
        with store.transaction() as session:
            return session.scalar(sa.select(sa.func.count()).select_from(tables.inbox))

    for n, name in enumerate(["nobody", "nobody-else"]):
        publish_event(config["AMQP_URI"], "maker", "thing_made", {"name": name})
        wait_for(lambda n=n: handled() == n + 1, what=f"event {n} handled")
    publish_event(config["AMQP_URI"], "maker", "thing_made", {"name": "for-portal"})
    wait_for(lambda: WOKEN, what="the loop woken")
    eventlet.sleep(0.3)  # time for a wake-up that should not come
    assert len(WOKEN) == 1 and handled() == 3


def batch_totals(service: str) -> tuple[float, float]:
    """(events, batches) the service's batched handlers applied so far."""
    from rueda_backbone import metrics

    totals = {"_sum": 0.0, "_count": 0.0}
    for family in metrics.REGISTRY.collect():
        for sample in family.samples:
            if sample.name.startswith("rueda_event_batch_size") and (
                sample.labels.get("service") == service
            ):
                for suffix in totals:
                    if sample.name.endswith(suffix):
                        totals[suffix] += sample.value
    return totals["_sum"], totals["_count"]


def test_under_load_a_batch_waits_its_linger_for_more_events(container_factory, config):
    # a linger far longer than the spacing of the events, so what is counted
    # is the rule, not the machine's speed
    config = {**config, "EVENT_BATCH_LINGER_MS": 1500}
    queued_while_stopped(container_factory, config, [({"name": f"a{n}"}, None) for n in range(3)])
    events_before, batches_before = batch_totals("batched")
    container_factory(BatchService, config).start()
    wait_for(lambda: len(names(config)) == 3, what="the queued events")
    # a first batch of several: the handler is under load now
    assert batch_totals("batched")[1] - batches_before == 1

    def publish(*names_, gap):
        for name in names_:
            publish_event(config["AMQP_URI"], "maker", "thing_made", {"name": name})
            eventlet.sleep(gap)

    publish("b0", "b1", "b2", "b3", gap=0.05)
    wait_for(lambda: len(names(config)) == 7, what="the events sent one by one")
    events, batches = batch_totals("batched")
    assert (events - events_before, batches - batches_before) == (7, 2)
    # a lone event still waits (the last batch was several), and is a batch of one
    publish("c0", gap=0)
    wait_for(lambda: len(names(config)) == 8, what="a lone event")
    # at that trickle, the next events no longer wait: one batch each
    publish("d0", "d1", gap=0.5)
    wait_for(lambda: len(names(config)) == 10, what="the trickle")
    events, batches = batch_totals("batched")
    assert (events - events_before, batches - batches_before) == (10, 5)
