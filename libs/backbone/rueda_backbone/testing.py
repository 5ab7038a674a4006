"""pytest fixtures every service's tests share (registered as a pytest plugin).

`database_url` runs a test twice, on SQLite and on PostgreSQL, each time on a
fresh database; `service_config` joins it with nameko's per-test RabbitMQ
vhost (`rabbit_config`), the management API through which the backbone sets
its broker policies there, and fast retry settings.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
import uuid

import pytest

POSTGRES_ADMIN_URL = os.environ.get(
    "RUEDA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.05, what: str = "condition"):
    """Poll `predicate` until it returns something truthy (no fixed sleeps in tests)."""
    import eventlet

    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        eventlet.sleep(interval)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _postgres_admin():
    import sqlalchemy as sa

    return sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")


def create_postgres_database() -> str:
    from sqlalchemy.engine import make_url

    name = f"rueda_test_{uuid.uuid4().hex[:12]}"
    engine = _postgres_admin()
    with engine.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    engine = _postgres_admin()
    with engine.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    from .database import Store

    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'service.sqlite3'}"
        Store.dispose_all()
        return
    url = create_postgres_database()
    yield url
    Store.dispose_all()
    drop_postgres_database(url)


@pytest.fixture
def service_config(request, rabbit_config, database_url):
    """A service's config for an in-process container: real broker, real database.

    No definitions file is loaded into nameko's vhost, so the backbone sets
    its broker policies (delivery limit, TTLs, dead letters) itself through
    the management API nameko's plugin uses (`--rabbit-api-uri`)."""
    return {
        **rabbit_config,
        "BROKER_MANAGEMENT_URL": request.config.getoption("RABBIT_API_URI"),
        "DATABASE_URL": database_url,
        "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}",
        "EVENT_RETRY_DELAYS": [0.1, 0.2],
        "OUTBOX_POLL_SECONDS": 0.2,
        "DEAD_LETTER_SWEEP_SECONDS": 0.5,
        "LOG_FORMAT": "console",
        "LOG_LEVEL": "INFO",
    }


@pytest.fixture
def config(service_config, alembic_ini):
    """A service's config on a fresh, migrated database and a fresh vhost.

    Each service's tests/conftest.py provides `alembic_ini`.
    """
    from .database import upgrade

    upgrade(alembic_ini, service_config["DATABASE_URL"])
    return dict(service_config)


@contextlib.contextmanager
def sqlite_unit_of_work(path, *metadatas, producer: str = "test"):
    """A unit of work on a throw-away SQLite file with the given tables, for unit tests."""
    from . import tables
    from .database import Store
    from .outbox import UnitOfWork

    store = Store(f"sqlite:///{path}")
    for metadata in (*metadatas, tables.metadata):
        metadata.create_all(store.engine)
    try:
        with store.transaction() as session:
            yield UnitOfWork(session, producer=producer, correlation_id="test")
    finally:
        store.dispose()


def publish_event(
    amqp_uri: str,
    producer: str,
    event_type: str,
    payload: dict,
    *,
    event_id: str | None = None,
    version: int = 1,
    correlation_id: str | None = None,
):
    """Publish an envelope to `<producer>.events` as that producer would."""
    from .envelope import Envelope, Event

    envelope = Envelope.wrap(
        Event(event_type, payload, version),
        producer=producer,
        correlation_id=correlation_id,
        event_id=event_id,
    )
    publish_raw(
        amqp_uri, f"{producer}.events", event_type, envelope.to_json(), message_id=envelope.event_id
    )
    return envelope


def publish_raw(amqp_uri: str, exchange: str, routing_key: str, body: bytes, **properties):
    """Publish any bytes, confirmed, as a careless or hostile producer might."""
    from kombu import Exchange
    from nameko.amqp.publish import Publisher

    target = Exchange(exchange, type="topic", durable=True)
    properties.setdefault("content_type", "application/json")
    properties.setdefault("content_encoding", "utf-8")
    Publisher(amqp_uri, use_confirms=True, mandatory=True, declare=[target]).publish(
        body, exchange=target, routing_key=routing_key, **properties
    )
