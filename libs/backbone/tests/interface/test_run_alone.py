"""`Store.run_alone` on both real databases: one statement, atomic, its rows
returned; on PostgreSQL sent on a connection in autocommit mode (no BEGIN
and COMMIT round trips), and its pool closed with the store's."""

import pytest
import sqlalchemy as sa

from rueda_backbone.database import Store

counters = sa.Table(
    "counter",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("value", sa.Integer, nullable=False),
)


@pytest.fixture
def store(database_url):
    store = Store.for_url(database_url)
    counters.metadata.create_all(store.engine)
    with store.transaction() as session:
        session.execute(sa.insert(counters), [{"id": 1, "value": 0}, {"id": 2, "value": 0}])
    return store


def values(store):
    with store.transaction() as session:
        return dict(session.execute(sa.select(counters.c.id, counters.c.value)).all())


def test_one_statement_alone_returns_its_rows_and_is_all_or_nothing(store):
    seen = []

    def autocommit(conn, _cursor, statement, *_args):
        if "counter" in statement:
            seen.append(getattr(conn.connection.dbapi_connection, "autocommit", None))

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", autocommit)
    try:
        rows = store.run_alone(
            sa.update(counters).values(value=counters.c.value + 1).returning(counters.c.id)
        )
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", autocommit)
    assert sorted(row.id for row in rows) == [1, 2]
    assert values(store) == {1: 1, 2: 1}
    if not store.is_sqlite:
        assert seen == [True]  # sent alone: no BEGIN, no COMMIT
    # a statement that fails changes nothing, not even the rows before the failure
    with pytest.raises(sa.exc.IntegrityError):
        store.run_alone(sa.update(counters).values(id=1, value=9))
    assert values(store) == {1: 1, 2: 1}
    assert store.run_alone(sa.update(counters).where(counters.c.id == 3).values(value=0)) == []
