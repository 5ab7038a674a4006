"""SQLite under eventlet: many green threads writing at once must neither fail
with "database is locked" nor block each other forever."""

import eventlet
import pytest
import sqlalchemy as sa

from rueda_backbone import tables
from rueda_backbone.database import Store
from rueda_backbone.envelope import Event
from rueda_backbone.outbox import AlreadyProcessed, UnitOfWork

own = sa.MetaData()
counter = sa.Table(
    "counter",
    own,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("value", sa.Integer, nullable=False),
)


@pytest.fixture
def store(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    tables.metadata.create_all(store.engine)
    own.create_all(store.engine)
    with store.transaction() as session:
        session.execute(sa.insert(counter).values(id=1, value=0))
    yield store
    store.engine.dispose()


def test_concurrent_green_writers_never_lose_an_update_nor_lock_the_database(store):
    def increment(times):
        for _ in range(times):
            with store.transaction() as session:
                value = session.execute(sa.select(counter.c.value)).scalar_one()
                eventlet.sleep(0)  # yield inside the transaction, as real I/O would
                session.execute(sa.update(counter).values(value=value + 1))

    pool = eventlet.GreenPool()
    for _ in range(10):
        pool.spawn(increment, 20)
    pool.waitall()
    with store.transaction() as session:
        assert session.execute(sa.select(counter.c.value)).scalar_one() == 200


def test_two_processes_writing_the_same_file_wait_for_each_other(store, tmp_path):
    other = Store(store.url)  # a second engine stands in for a second process
    try:
        with store.transaction() as session:
            session.execute(sa.update(counter).values(value=5))
        with other.transaction() as session:
            session.execute(sa.update(counter).values(value=counter.c.value + 1))
        with store.transaction() as session:
            assert session.execute(sa.select(counter.c.value)).scalar_one() == 6
    finally:
        other.engine.dispose()


def test_a_nested_transaction_is_refused_instead_of_deadlocking(store):
    with store.transaction():
        with pytest.raises(RuntimeError, match="nested"):
            with store.transaction():
                pass


def test_events_are_written_with_the_state_and_vanish_with_a_rollback(store):
    with pytest.raises(ZeroDivisionError):
        with store.transaction() as session:
            uow = UnitOfWork(session, producer="intake", correlation_id="c1")
            uow.publish(Event("program_submitted", {"program_id": "p1"}))
            session.execute(sa.update(counter).values(value=99))
            raise ZeroDivisionError("the transaction fails after its writes")
    with store.transaction() as session:
        assert session.execute(sa.select(sa.func.count()).select_from(tables.outbox)).scalar() == 0
        uow = UnitOfWork(session, producer="intake", correlation_id="c1")
        uow.publish(Event("program_submitted", {"program_id": "p1"}))
    with store.transaction() as session:
        row = session.execute(sa.select(tables.outbox)).one()
    assert row.status == "pending" and row.correlation_id == "c1"


def test_the_inbox_stops_a_second_processing_of_the_same_event(store):
    with store.transaction() as session:
        UnitOfWork(session, producer="notify", correlation_id="c").mark_processed("notify.h", "e1")
    with pytest.raises(AlreadyProcessed):
        with store.transaction() as session:
            UnitOfWork(session, producer="notify", correlation_id="c").mark_processed(
                "notify.h", "e1"
            )
    with store.transaction() as session:
        # another handler of the same service still gets the event
        UnitOfWork(session, producer="notify", correlation_id="c").mark_processed(
            "notify.other", "e1"
        )
