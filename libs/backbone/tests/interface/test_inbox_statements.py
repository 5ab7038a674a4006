"""The inbox record is one statement per event on SQLite and PostgreSQL
(`INSERT ... ON CONFLICT DO NOTHING`), and still stops a duplicate, a
concurrent one included, leaving the first copy's effect alone."""

import eventlet
import pytest
import sqlalchemy as sa

from rueda_backbone import tables
from rueda_backbone.database import Store
from rueda_backbone.outbox import AlreadyProcessed, UnitOfWork


@pytest.fixture
def store(database_url):
    store = Store.for_url(database_url)
    tables.metadata.create_all(store.engine)
    return store


def _mark(session, handler="notify.handle_x", event_id="e1"):
    UnitOfWork(session, producer="notify", correlation_id="c").mark_processed(handler, event_id)


def test_the_inbox_record_is_a_single_statement(store):
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(store.engine, "before_cursor_execute", count)
    try:
        with store.transaction() as session:
            session.connection()  # the transaction's BEGIN is not the inbox's
            statements.clear()
            _mark(session)
            assert len(statements) == 1, statements
            assert "SAVEPOINT" not in statements[0].upper()
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", count)


def test_a_duplicate_is_stopped_and_other_handlers_still_get_the_event(store):
    with store.transaction() as session:
        _mark(session)
    with pytest.raises(AlreadyProcessed):
        with store.transaction() as session:
            _mark(session)
    with store.transaction() as session:
        _mark(session, handler="notify.handle_other")
    with store.transaction() as session:
        rows = session.execute(sa.select(tables.inbox.c.handler)).scalars().all()
    assert sorted(rows) == ["notify.handle_other", "notify.handle_x"]


def test_a_concurrent_duplicate_waits_for_the_first_and_is_stopped(store):
    if store.is_sqlite:
        pytest.skip("SQLite transactions of one process are serialised by the store")
    outcomes = []
    first_in = eventlet.event.Event()

    def first():
        with store.transaction() as session:
            _mark(session, event_id="e2")
            first_in.send()
            eventlet.sleep(0.3)  # the second copy arrives while this one is open
        outcomes.append("first committed")

    def second():
        first_in.wait()
        try:
            with store.transaction() as session:
                _mark(session, event_id="e2")
            outcomes.append("second applied")
        except AlreadyProcessed:
            outcomes.append("second stopped")

    pool = eventlet.GreenPool()
    pool.spawn(first)
    pool.spawn(second)
    pool.waitall()
    assert sorted(outcomes) == ["first committed", "second stopped"]
