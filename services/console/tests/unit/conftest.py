"""The console's use cases on a throw-away SQLite store, with a fixed clock."""

from datetime import UTC, datetime, timedelta

import pytest
from console import domain
from console.models import Base
from console.web import UnitOfWork

from rueda_backbone.database import Store

NOW = datetime(2027, 10, 20, 9, 0, tzinfo=UTC)
POLICY = domain.SessionPolicy(
    idle=timedelta(minutes=60), lifetime=timedelta(hours=12), roles_refresh=timedelta(minutes=5)
)
LIMIT = domain.SignInLimit(window=timedelta(minutes=15), per_account=5, per_address=20)


@pytest.fixture
def store(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'console.sqlite3'}")
    Base.metadata.create_all(store.engine)
    yield store
    store.engine.dispose()


@pytest.fixture
def run(store):
    """run(use_case, command, **deps): the use case in its own transaction."""

    def call(use_case, command, now=NOW, **deps):
        with store.transaction() as session:
            return use_case(command, uow=UnitOfWork(session), now=now, **deps)

    return call
