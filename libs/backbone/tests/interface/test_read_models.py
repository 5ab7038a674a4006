"""`keep_latest` on both real databases: the first version is inserted, a
newer one replaces it, an older or equal one changes nothing, a column kept
when null keeps its value, and JSON and instants go through their types."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from rueda_backbone.database import Store
from rueda_backbone.read_models import keep_latest
from rueda_backbone.tables import UtcDateTime

copies = sa.Table(
    "program_copy",
    sa.MetaData(),
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("workshop_id", sa.String(36)),
    sa.Column("title", sa.String(300)),
    sa.Column("topics", sa.JSON),
    sa.Column("submitted_at", UtcDateTime()),
    sa.Column("returned_version", sa.Integer),
)

T0 = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def store(database_url):
    store = Store.for_url(database_url)
    copies.metadata.create_all(store.engine)
    return store


def keep(store, **values):
    with store.transaction() as session:
        return keep_latest(session, copies, values, keep_if_null=("workshop_id",))


def row(store, id_="p1"):
    with store.transaction() as session:
        return session.execute(sa.select(copies).where(copies.c.id == id_)).one()._asdict()


def test_the_latest_version_wins_whatever_the_order(store):
    first = dict(id="p1", workshop_id="w1", title="v2", topics=["health"], submitted_at=T0)
    assert keep(store, version=2, **first)
    assert not keep(store, **{**first, "version": 1, "title": "v1"})  # late
    assert not keep(store, **{**first, "version": 2, "title": "again"})  # twice
    assert row(store)["title"] == "v2"
    assert keep(store, **{**first, "version": 3, "title": "v3", "workshop_id": None})
    assert row(store) == {
        "id": "p1",
        "version": 3,
        "workshop_id": "w1",  # kept: the new version named none
        "title": "v3",
        "topics": ["health"],
        "submitted_at": T0,
        "returned_version": None,
    }


def test_columns_it_is_not_given_keep_their_value(store):
    keep(store, id="p1", version=1, title="one")
    with store.transaction() as session:
        session.execute(sa.update(copies).values(returned_version=1))
    keep(store, id="p1", version=2, title="two")
    assert (row(store)["title"], row(store)["returned_version"]) == ("two", 1)


def test_the_key_and_the_version_are_required(store):
    with pytest.raises(ValueError, match="version"):
        keep(store, id="p1", title="no version")
