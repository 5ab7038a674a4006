"""API keys for HTTP clients: shown once at creation, stored as SHA-256 hashes.

A client (the portal, the console, a funder's system) may hold several keys
at once, so a key rotates without downtime: create the new one, deploy it,
revoke the old one. Each key carries the scopes it may use and may expire.

Scopes name what an operation does, `<service>:<area>:<action>` or the
defaults `<service>:read` (GET) and `<service>:write` (anything else); a key
with `<service>:*` may do everything on that service, `*` everything.

A valid key is remembered by the process that checked it for a few seconds
(`API_KEY_CACHE_SECONDS`, 5 by default; 0 turns it off): looking it up was a
transaction of its own on every request. A key revoked by another process
(ops' command line, another replica) is therefore refused within those
seconds, not at once; one revoked in the same process, at once. A key's
expiry is kept to the second, and unknown keys are never remembered.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError, ProgrammingError

from . import tables
from .outbox import now

KEY_PREFIX = "rk_"
SCOPE = re.compile(r"^(\*|[a-z][a-z0-9_-]*(:[a-z0-9_*-]+)*)$")
DEFAULT_CACHE_SECONDS = 5.0
# a process serves a handful of clients: this only bounds a flood of keys
_CACHE_LIMIT = 1000
# (database url, key hash) -> (principal, monotonic time it is good until)
_checked: dict = {}


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class Principal:
    """Who a valid key speaks for, and what it may do."""

    client: str
    scopes: tuple[str, ...]
    key_prefix: str

    def allows(self, scope: str) -> bool:
        for granted in self.scopes:
            if granted == "*" or granted == scope:
                return True
            if granted.endswith(":*") and scope.startswith(granted[:-1]):
                return True
        return False


def _has_key_table(store) -> bool:
    """Whether the service's database has been migrated to api_key (v2). A
    service on a database still at v1 keeps working: one key per client, every
    scope, until its migration runs (expand/contract, deploy/README.md)."""
    cached = getattr(store, "_rueda_api_key_v2", None)
    if cached is None:
        try:
            with store.transaction() as session:
                session.execute(sa.select(tables.api_key.c.id).limit(1))
            cached = True
        except (OperationalError, ProgrammingError):
            cached = False
        if cached:  # a missing table may still appear; a present one stays
            store._rueda_api_key_v2 = True
    return cached


def create_api_key(store, client: str, *, scopes=("*",), expires_at: datetime | None = None) -> str:
    """A new key for `client` (other keys of the client stay valid); only
    its hash is kept."""
    scopes = sorted(set(scopes))
    bad = [s for s in scopes if not SCOPE.match(s)]
    if not scopes or bad:
        raise ValueError(f"scopes look like intake:forms:write or intake:* (got {bad or scopes})")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    if not _has_key_table(store):
        if scopes != ["*"] or expires_at is not None:
            raise RuntimeError("scopes and expiry need the api_key table: migrate the service")
        with store.transaction() as session:
            session.execute(
                sa.insert(tables.api_client).values(
                    name=client, key_hash=_hash(key), key_prefix=key[:10], created_at=now()
                )
            )
        return key
    with store.transaction() as session:
        session.execute(
            sa.insert(tables.api_key).values(
                client=client,
                key_hash=_hash(key),
                key_prefix=key[:10],
                scopes=scopes,
                created_at=now(),
                expires_at=expires_at,
            )
        )
    return key


def revoke_api_key(store, client: str, key_prefix: str | None = None) -> int:
    """Revoke the client's keys (only the one starting with `key_prefix` if
    given); how many were revoked."""
    _checked.clear()
    if not _has_key_table(store):
        v1 = tables.api_client
        with store.transaction() as session:
            return session.execute(
                sa.update(v1)
                .where(v1.c.name == client, v1.c.revoked_at.is_(None))
                .values(revoked_at=now())
            ).rowcount
    t = tables.api_key
    where = [t.c.client == client, t.c.revoked_at.is_(None)]
    if key_prefix:
        where.append(t.c.key_prefix == key_prefix[:10])
    with store.transaction() as session:
        return session.execute(sa.update(t).where(*where).values(revoked_at=now())).rowcount


def list_api_clients(store) -> list[dict]:
    """Every key: client, prefix, scopes, created, expires, revoked."""
    if not _has_key_table(store):
        v1 = tables.api_client
        with store.transaction() as session:
            rows = session.execute(
                sa.select(v1.c.name, v1.c.key_prefix, v1.c.created_at, v1.c.revoked_at).order_by(
                    v1.c.name
                )
            )
            return [{**row._mapping, "scopes": ["*"], "expires_at": None} for row in rows]
    t = tables.api_key
    with store.transaction() as session:
        rows = session.execute(
            sa.select(
                t.c.client.label("name"),
                t.c.key_prefix,
                t.c.scopes,
                t.c.created_at,
                t.c.expires_at,
                t.c.revoked_at,
            ).order_by(t.c.client, t.c.created_at)
        )
        return [dict(row._mapping) for row in rows]


def authenticate(
    store, key: str | None, *, cache_seconds: float = DEFAULT_CACHE_SECONDS
) -> Principal | None:
    """The principal of a valid key (not revoked, not expired); None otherwise."""
    if not key or not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    digest = _hash(key)
    cached = _checked.get((store.url, digest))
    if cached is not None and time.monotonic() < cached[1]:
        return cached[0]
    principal, expires_at = _look_up(store, digest)
    if principal is not None and cache_seconds > 0:
        until = time.monotonic() + cache_seconds
        if expires_at is not None:
            until = min(until, time.monotonic() + (expires_at - now()).total_seconds())
        if len(_checked) >= _CACHE_LIMIT:
            _checked.clear()
        _checked[(store.url, digest)] = (principal, until)
    return principal


def _look_up(store, digest: str) -> tuple[Principal | None, datetime | None]:
    if not _has_key_table(store):
        v1 = tables.api_client
        with store.transaction() as session:
            row = session.execute(
                sa.select(v1.c.name, v1.c.key_hash, v1.c.key_prefix).where(
                    v1.c.key_hash == digest, v1.c.revoked_at.is_(None)
                )
            ).first()
        if row is None or not hmac.compare_digest(row.key_hash, digest):
            return None, None
        return Principal(row.name, ("*",), row.key_prefix), None
    t = tables.api_key
    with store.transaction() as session:
        row = session.execute(
            sa.select(t.c.client, t.c.key_hash, t.c.key_prefix, t.c.scopes, t.c.expires_at).where(
                t.c.key_hash == digest, t.c.revoked_at.is_(None)
            )
        ).first()
    if row is None or not hmac.compare_digest(row.key_hash, digest):
        return None, None
    expires_at = row.expires_at
    if expires_at is not None and expires_at <= now():
        return None, None
    return Principal(row.client, tuple(row.scopes or ()), row.key_prefix), expires_at
