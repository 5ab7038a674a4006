"""The three tables every service keeps beside its own state.

- outbox_message: events written in the same transaction as the state they
  describe, published later by the relay;
- inbox_message: (handler, event id) pairs already processed, written in the
  same transaction as the handler's effect;
- parked_message: messages that could not be processed, with the reason, for
  ops to read and replay;
- api_client: v1 of the HTTP clients' keys (one per client), read only by the
  migration to api_key;
- api_key: the HTTP clients' keys, hashed, each with its scopes and expiry;
- idempotent_request: for endpoints that accept an Idempotency-Key, the key,
  written in the same transaction as the request's effect, and the answer
  given (created with `create_idempotency_table_v1(op)` by services that
  have such endpoints).

The tables have the same names and columns in every service, so the backbone
queries them through its own `metadata`; each service hands that metadata to
Alembic beside its own and creates the tables in its first migration
(`create_backbone_tables_v1(op)`), so every service still owns its schema.
"""

from __future__ import annotations

from datetime import UTC

import sqlalchemy as sa

OUTBOX_PENDING = "pending"
OUTBOX_SENT = "sent"
# set aside: the row can never be published as it is (see outbox.OutboxRelay)
OUTBOX_FAILED = "failed"


class UtcDateTime(sa.types.TypeDecorator):
    """Aware UTC datetimes on every database; SQLite would drop the zone."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: rueda stores aware UTC times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _columns_v1():
    """Column sets as of schema v1; migrations freeze this shape."""
    outbox = [
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("schema_version", sa.Integer, nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("correlation_id", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
        sa.Column("claimed_by", sa.String(100)),
        sa.Column("claimed_until", UtcDateTime()),
        sa.Column("published_at", UtcDateTime()),
        sa.Column("last_error", sa.Text),
    ]
    inbox = [
        sa.Column("handler", sa.String(200), primary_key=True),
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("processed_at", UtcDateTime(), nullable=False),
    ]
    parked = [
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("queue", sa.String(200), nullable=False),
        sa.Column("event_id", sa.String(64)),
        sa.Column("event_type", sa.String(100)),
        sa.Column("headers", sa.JSON, nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("parked_at", UtcDateTime(), nullable=False),
        sa.Column("replayed_at", UtcDateTime()),
        sa.Column("replay_count", sa.Integer, nullable=False, server_default="0"),
    ]
    api_client = [
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        # keys are 256-bit random tokens, so a plain SHA-256 is enough
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("key_prefix", sa.String(12), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("revoked_at", UtcDateTime()),
    ]
    return outbox, inbox, parked, api_client


metadata = sa.MetaData()
_outbox, _inbox, _parked, _api_client = _columns_v1()
outbox = sa.Table(
    "outbox_message",
    metadata,
    *_outbox,
    sa.Index("ix_outbox_due", "status", "next_attempt_at", "id"),
)
inbox = sa.Table("inbox_message", metadata, *_inbox)
parked = sa.Table(
    "parked_message",
    metadata,
    *_parked,
    sa.Index("ix_parked_open", "replayed_at", "id"),
)
api_client = sa.Table("api_client", metadata, *_api_client)


def _api_key_columns_v2():
    return [
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("client", sa.String(100), nullable=False, index=True),
        # keys are 256-bit random tokens, so a plain SHA-256 is enough
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("key_prefix", sa.String(12), nullable=False),
        sa.Column("scopes", sa.JSON, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime()),
        sa.Column("revoked_at", UtcDateTime()),
    ]


# v2 of the HTTP clients' keys: several per client (so keys rotate without
# downtime), each with its scopes and an optional expiry
api_key = sa.Table("api_key", metadata, *_api_key_columns_v2())


def create_api_keys_table_v2(op) -> None:
    """Create api_key in an Alembic migration and carry every v1 key over
    with all scopes ("*"), so existing clients keep working."""
    import json as _json

    op.create_table("api_key", *_api_key_columns_v2())
    connection = op.get_bind()
    old = sa.table(
        "api_client",
        sa.column("name"),
        sa.column("key_hash"),
        sa.column("key_prefix"),
        sa.column("created_at", UtcDateTime()),
        sa.column("revoked_at", UtcDateTime()),
    )
    new = sa.table(
        "api_key",
        sa.column("client"),
        sa.column("key_hash"),
        sa.column("key_prefix"),
        sa.column("scopes", sa.JSON),
        sa.column("created_at", UtcDateTime()),
        sa.column("revoked_at", UtcDateTime()),
    )
    for row in connection.execute(sa.select(old)).mappings().all():
        connection.execute(
            sa.insert(new).values(
                client=row["name"],
                key_hash=row["key_hash"],
                key_prefix=row["key_prefix"],
                scopes=_json.loads('["*"]'),
                created_at=row["created_at"],
                revoked_at=row["revoked_at"],
            )
        )


def _idempotency_columns_v1():
    return [
        sa.Column("client", sa.String(100), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        # empty between the effect's commit and the answer's: see web.Idempotency
        sa.Column("status", sa.Integer, nullable=True),
        sa.Column("response", sa.JSON, nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    ]


idempotent_request = sa.Table("idempotent_request", metadata, *_idempotency_columns_v1())


def create_idempotency_table_v1(op) -> None:
    """Create the idempotent_request table inside an Alembic migration."""
    op.create_table("idempotent_request", *_idempotency_columns_v1())


def create_backbone_tables_v1(op) -> None:
    """Create the v1 backbone tables inside an Alembic migration."""
    outbox_cols, inbox_cols, parked_cols, api_client_cols = _columns_v1()
    op.create_table("outbox_message", *outbox_cols)
    op.create_index("ix_outbox_due", "outbox_message", ["status", "next_attempt_at", "id"])
    op.create_table("inbox_message", *inbox_cols)
    op.create_table("parked_message", *parked_cols)
    op.create_index("ix_parked_open", "parked_message", ["replayed_at", "id"])
    op.create_table("api_client", *api_client_cols)


def drop_backbone_tables_v1(op) -> None:
    for name in ("api_client", "parked_message", "inbox_message", "outbox_message"):
        op.drop_table(name)
