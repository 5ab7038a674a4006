"""PostgreSQL connections are checked before use only when they sat idle:
one that lived through a restart (here: its server process terminated) is
replaced before the worker sees it; a busy one costs no SELECT 1 (and one
that breaks in use fails that transaction only)."""

import pytest
import sqlalchemy as sa

from rueda_backbone import database
from rueda_backbone.database import Store
from rueda_backbone.testing import create_postgres_database, drop_postgres_database

pytestmark = pytest.mark.postgres


@pytest.fixture
def store():
    url = create_postgres_database()
    store = Store(url)
    yield store
    store.engine.dispose()
    drop_postgres_database(url)


def backend_pid(store):
    with store.transaction() as session:
        return session.scalar(sa.text("select pg_backend_pid()"))


def terminate(store, pid):
    admin = sa.create_engine(store.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text("select pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()


def test_an_idle_connection_the_server_dropped_is_replaced_before_use(store, monkeypatch):
    first = backend_pid(store)
    terminate(store, first)
    monkeypatch.setattr(database, "PING_IDLE_SECONDS", 0.0)  # as if idle for a while

    assert backend_pid(store) != first  # no error: the dead one was never handed out


def test_a_connection_in_steady_use_costs_no_ping_and_a_broken_one_recycles_the_pool(
    store, monkeypatch
):
    monkeypatch.setattr(database, "PING_IDLE_SECONDS", 3600.0)  # always "just used"
    first = backend_pid(store)
    terminate(store, first)

    # not pinged, so the transaction that meets the dead connection fails ...
    with pytest.raises(sa.exc.OperationalError):
        backend_pid(store)
    # ... and SQLAlchemy recycles the pool: the next one gets a live connection
    assert backend_pid(store) != first
