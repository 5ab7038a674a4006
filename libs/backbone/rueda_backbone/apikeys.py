"""API keys for HTTP clients: shown once at creation, stored as SHA-256 hashes."""
from __future__ import annotations

import hashlib
import hmac
import secrets

import sqlalchemy as sa

from . import tables
from .outbox import now

KEY_PREFIX = "rk_"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(store, name: str) -> str:
    """Register a client and return its key; only the hash is kept."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with store.transaction() as session:
        session.execute(sa.insert(tables.api_client).values(
            name=name, key_hash=_hash(key), key_prefix=key[:10], created_at=now()))
    return key


def revoke_api_key(store, name: str) -> bool:
    t = tables.api_client
    with store.transaction() as session:
        return session.execute(sa.update(t).where(t.c.name == name, t.c.revoked_at.is_(None))
                               .values(revoked_at=now())).rowcount > 0


def list_api_clients(store) -> list[dict]:
    t = tables.api_client
    with store.transaction() as session:
        rows = session.execute(sa.select(t.c.name, t.c.key_prefix, t.c.created_at,
                                         t.c.revoked_at).order_by(t.c.name))
        return [dict(row._mapping) for row in rows]


def authenticate(store, key: str | None) -> str | None:
    """The client's name for a valid, unrevoked key; None otherwise."""
    if not key or not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    digest = _hash(key)
    t = tables.api_client
    with store.transaction() as session:
        row = session.execute(sa.select(t.c.name, t.c.key_hash).where(
            t.c.key_hash == digest, t.c.revoked_at.is_(None))).first()
    if row is None or not hmac.compare_digest(row.key_hash, digest):
        return None
    return row.name
