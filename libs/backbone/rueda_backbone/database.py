"""A service's own database: engine set-up for SQLite and PostgreSQL, short
transactions that are safe under eventlet, and migrations.

SQLite calls block eventlet's hub, so two green threads that both write would
otherwise wait on SQLite's file lock inside C code while the hub cannot run
the thread that holds it ("database is locked"). Every transaction therefore
takes a process-wide green lock first and starts with BEGIN IMMEDIATE; other
processes on the same file wait in SQLite's busy handler. On PostgreSQL,
psycopg2 is made cooperative by eventlet's monkey patching and transactions
run concurrently.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import time
from pathlib import Path

import greenlet
import sqlalchemy as sa
import structlog
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

log = structlog.get_logger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 10_000


class Store:
    """One engine, one session factory and, on SQLite, one write lock per URL."""

    _by_url: dict[str, Store] = {}
    _registry_lock = threading.Lock()

    def __init__(self, url: str):
        self.url = url
        self.engine = create_engine(url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._lock = threading.Lock() if self.is_sqlite else None
        self._owner = None
        self._autocommit: sa.Engine | None = None

    @classmethod
    def for_url(cls, url: str) -> Store:
        """The process-wide store for a URL, so SQLite's lock is really shared."""
        with cls._registry_lock:
            store = cls._by_url.get(url)
            if store is None:
                store = cls._by_url[url] = cls(url)
            return store

    @classmethod
    def dispose_all(cls) -> None:
        with cls._registry_lock:
            for store in cls._by_url.values():
                store.dispose()
            cls._by_url.clear()

    def dispose(self) -> None:
        """Close every pooled connection (the database is to be dropped)."""
        self.engine.dispose()
        if self._autocommit is not None:
            self._autocommit.dispose()

    def run_alone(self, statement, params: dict | None = None) -> list:
        """One statement that is a transaction by itself (any single
        statement is atomic), and the rows it returns. On PostgreSQL it is
        sent alone on a connection in autocommit mode, without the BEGIN and
        COMMIT that are a round trip each (a third of what a relay's claim
        cost); on SQLite it runs in a transaction of its own, under the
        process's write lock like any other."""
        if self.is_sqlite:
            with self.transaction() as session:
                result = session.execute(statement, params or {})
                return result.all() if result.returns_rows else []
        if self._autocommit is None:
            # a pool of its own: a connection switched to autocommit and back
            # costs a SET on its return to the shared pool
            self._autocommit = create_engine(self.url, isolation_level="AUTOCOMMIT", pool_size=2)
        with self._autocommit.connect() as connection:
            result = connection.execute(statement, params or {})
            return result.all() if result.returns_rows else []

    @contextlib.contextmanager
    def transaction(self):
        """A short unit of work: commit on success, roll back on error.

        Keep network I/O out of it: on SQLite it holds the process's write lock.
        """
        with self._serialised():
            session: Session = self.sessions()
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()

    @contextlib.contextmanager
    def _serialised(self):
        if self._lock is None:
            yield
            return
        me = greenlet.getcurrent()
        if self._owner is me:
            raise RuntimeError("nested transaction on SQLite would deadlock; use one transaction")
        with self._lock:
            self._owner = me
            try:
                yield
            finally:
                self._owner = None


# a pooled connection idle longer than this is checked (SELECT 1) before use
PING_IDLE_SECONDS = 1.0


def claim_due(
    store: Store,
    table: sa.Table,
    *,
    pending: str,
    moment,
    holder: str,
    until,
    order_by,
    limit: int,
    **values,
) -> sa.Update:
    """The statement that claims up to `limit` due rows of a table with lease
    columns (status, next_attempt_at, claimed_until, claimed_by) for
    `holder` until `until`: one UPDATE that picks them in `order_by` order
    (skipping rows another holder has locked, on PostgreSQL) and sets
    `values` too. The caller adds `.returning(...)` and runs it; the rows
    come back in no particular order."""
    t = table
    due = (
        sa.select(t.c.id)
        .where(
            t.c.status == pending,
            t.c.next_attempt_at <= moment,
            sa.or_(t.c.claimed_until.is_(None), t.c.claimed_until < moment),
        )
        .order_by(*order_by)
        .limit(limit)
    )
    if not store.is_sqlite:
        due = due.with_for_update(skip_locked=True)
    return (
        sa.update(t)
        .where(t.c.id.in_(due.scalar_subquery()))
        .values(claimed_by=holder, claimed_until=until, **values)
    )


def create_engine(url: str, **options) -> sa.Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    options = {"pool_size": 10, "max_overflow": 10, "pool_recycle": 3600, **options}
    engine = sa.create_engine(parsed, future=True, **options)
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: sa.Engine) -> None:
    """A database restart must not cost the next worker its request, yet
    `pool_pre_ping`'s SELECT 1 on every checkout is a round trip per
    transaction (about 5 % of a service's CPU under load on PostgreSQL). A
    restart takes longer than a second, so every connection that lived through
    one has been idle for longer than that: only those are pinged, and one
    found dead is replaced before the worker sees it. A connection that breaks
    while in use fails that one transaction and has SQLAlchemy recycle the
    pool, as before."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record):
        record.info["rueda_checked_in"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy):
        since = record.info.get("rueda_checked_in")
        if since is None or time.monotonic() - since <= PING_IDLE_SECONDS:
            return
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            dbapi_connection.rollback()
        except Exception as exc:  # noqa: BLE001 - any failure means a dead connection
            # the pool throws this connection away and checks out another
            raise sa.exc.DisconnectionError(f"stale connection: {exc}") from exc


def _sqlite_engine(parsed) -> sa.Engine:
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        parsed,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # let SQLAlchemy, not pysqlite, decide when a transaction begins
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # take the write lock up front: a deferred transaction that later
        # writes can fail with SQLITE_BUSY without waiting at all
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


# -- migrations ------------------------------------------------------------


def upgrade(alembic_ini: str | os.PathLike, url: str, revision: str = "head") -> None:
    """Run a service's Alembic migrations up to `revision` (used by run.sh and tests)."""
    from alembic import command
    from alembic.config import Config

    config = Config(str(alembic_ini))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(config, revision)


def run_alembic_env(target_metadata) -> None:
    """The body of every service's migrations/env.py.

    On PostgreSQL an advisory lock keeps two replicas that start together from
    running the same migration twice.
    """
    from alembic import context

    config = context.config
    url = os.environ.get("RUEDA_MIGRATION_URL") or config.get_main_option("sqlalchemy.url")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return

    engine = create_engine(url)
    with engine.connect() as connection:
        lock_key = None
        if engine.dialect.name == "postgresql":
            lock_key = int(hashlib.sha256(b"rueda-migrations").hexdigest()[:15], 16)
            connection.exec_driver_sql(f"SELECT pg_advisory_lock({lock_key})")
            connection.commit()
        try:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=engine.dialect.name == "sqlite",
            )
            with context.begin_transaction():
                context.run_migrations()
        finally:
            if lock_key is not None:
                connection.exec_driver_sql(f"SELECT pg_advisory_unlock({lock_key})")
                connection.commit()
    engine.dispose()
