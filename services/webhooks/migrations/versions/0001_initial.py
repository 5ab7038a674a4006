"""webhooks' first schema: the backbone tables, subscriptions and deliveries.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op
from rueda_backbone.tables import (UtcDateTime, create_backbone_tables_v1,
                                   create_idempotency_table_v1, drop_backbone_tables_v1)

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    create_backbone_tables_v1(op)
    create_idempotency_table_v1(op)
    op.create_table(
        "subscription",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("secret", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("removed_at", UtcDateTime()),
    )
    op.create_table(
        "subscribed_event_type",
        sa.Column("subscription_id", sa.String(36),
                  sa.ForeignKey("subscription.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("event_type", sa.String(100), primary_key=True),
    )
    op.create_index("ix_subscribed_event_type_event_type", "subscribed_event_type",
                    ["event_type"])
    op.create_table(
        "delivery",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("subscription_id", sa.String(36),
                  sa.ForeignKey("subscription.id", ondelete="CASCADE"), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("producer", sa.String(64), nullable=False),
        sa.Column("correlation_id", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
        sa.Column("last_error", sa.String(500)),
        sa.Column("last_status_code", sa.Integer),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("delivered_at", UtcDateTime()),
        sa.Column("parked_at", UtcDateTime()),
        sa.Column("replays", sa.Integer, nullable=False),
        sa.Column("replayed_at", UtcDateTime()),
        sa.Column("claimed_by", sa.String(100)),
        sa.Column("claimed_until", UtcDateTime()),
        sa.UniqueConstraint("subscription_id", "event_id", name="uq_delivery_event"),
    )
    op.create_index("ix_delivery_due", "delivery", ["status", "next_attempt_at"])
    op.create_index("ix_delivery_subscription_id", "delivery", ["subscription_id"])


def downgrade():
    op.drop_table("delivery")
    op.drop_table("subscribed_event_type")
    op.drop_table("subscription")
    op.drop_table("idempotent_request")
    drop_backbone_tables_v1(op)
