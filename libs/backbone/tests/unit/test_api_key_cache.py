"""A valid API key is remembered for a few seconds by the process that
checked it; a revocation in that process, an expiry and an unknown key are
never served from memory."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from rueda_backbone import apikeys, tables
from rueda_backbone.database import Store


@pytest.fixture
def store(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'keys.sqlite3'}")
    tables.metadata.create_all(store.engine)
    apikeys._checked.clear()
    yield store
    apikeys._checked.clear()
    store.engine.dispose()


@pytest.fixture
def lookups(store):
    seen = []

    def count(_conn, _cursor, statement, *_args):
        if "api_key.key_hash = " in statement:  # a look-up, not the table probe
            seen.append(statement)

    event.listen(store.engine, "before_cursor_execute", count)
    return seen


def revoke_elsewhere(store, key):
    """As ops' command line in another process would: the row only."""
    with store.transaction() as session:
        session.execute(
            sa.update(tables.api_key)
            .where(tables.api_key.c.key_prefix == key[:10])
            .values(revoked_at=datetime.now(UTC))
        )


def test_a_valid_key_is_looked_up_once_within_the_cache_time(store, lookups, monkeypatch):
    key = apikeys.create_api_key(store, "portal", scopes=["intake:*"])
    clock = [1000.0]
    monkeypatch.setattr(apikeys.time, "monotonic", lambda: clock[0])
    first = apikeys.authenticate(store, key, cache_seconds=5)
    lookups.clear()
    assert apikeys.authenticate(store, key, cache_seconds=5) == first
    assert lookups == []
    revoke_elsewhere(store, key)
    clock[0] += 4.9
    assert apikeys.authenticate(store, key, cache_seconds=5) == first  # within the 5 s
    clock[0] += 0.2
    assert apikeys.authenticate(store, key, cache_seconds=5) is None
    assert len(lookups) == 1


def test_a_revocation_in_the_same_process_takes_effect_at_once(store):
    key = apikeys.create_api_key(store, "portal")
    assert apikeys.authenticate(store, key) is not None
    apikeys.revoke_api_key(store, "portal")
    assert apikeys.authenticate(store, key) is None


def test_no_cache_time_looks_every_key_up(store, lookups):
    key = apikeys.create_api_key(store, "portal")
    assert apikeys.authenticate(store, key, cache_seconds=0) is not None
    revoke_elsewhere(store, key)
    assert apikeys.authenticate(store, key, cache_seconds=0) is None
    assert len(lookups) == 2


def test_an_expiring_key_is_not_remembered_past_its_expiry(store, monkeypatch):
    key = apikeys.create_api_key(
        store, "portal", expires_at=datetime.now(UTC) + timedelta(seconds=2)
    )
    clock = [1000.0]
    monkeypatch.setattr(apikeys.time, "monotonic", lambda: clock[0])
    assert apikeys.authenticate(store, key, cache_seconds=60) is not None
    clock[0] += 3
    # the cache entry ran out with the key; the database says expired
    monkeypatch.setattr(apikeys, "now", lambda: datetime.now(UTC) + timedelta(seconds=3))
    assert apikeys.authenticate(store, key, cache_seconds=60) is None


def test_an_unknown_key_is_never_remembered(store, lookups):
    for _ in range(3):
        assert apikeys.authenticate(store, "rk_" + "x" * 43) is None
    assert len(lookups) == 3
