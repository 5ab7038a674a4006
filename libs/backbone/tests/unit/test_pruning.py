"""Housekeeping keeps the outbox and the inbox from growing without bound,
without forgetting what "nothing twice" still needs."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from rueda_backbone import tables
from rueda_backbone.database import Store
from rueda_backbone.outbox import AlreadyProcessed, UnitOfWork, now, prune_inbox


@pytest.fixture
def store(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'inbox.sqlite3'}")
    tables.metadata.create_all(store.engine)
    yield store
    store.engine.dispose()


def process(store, handler, event_id):
    with store.transaction() as session:
        UnitOfWork(session, producer="test", correlation_id="c").mark_processed(handler, event_id)


def age(store, event_id, days):
    with store.transaction() as session:
        session.execute(
            sa.update(tables.inbox)
            .where(tables.inbox.c.event_id == event_id)
            .values(processed_at=now() - timedelta(days=days))
        )


def test_old_inbox_entries_are_forgotten_and_recent_ones_still_stop_duplicates(store):
    process(store, "notify.handle_x", "old")
    process(store, "notify.handle_x", "recent")
    age(store, "old", days=31)
    age(store, "recent", days=29)

    assert prune_inbox(store, timedelta(days=30)) == 1

    with pytest.raises(AlreadyProcessed):
        process(store, "notify.handle_x", "recent")
    process(store, "notify.handle_x", "old")  # forgotten: accepted again
