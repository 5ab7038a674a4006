"""notify's first schema: recipients, the email outbox and the backbone tables.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op
from rueda_backbone.tables import UtcDateTime, create_backbone_tables_v1, drop_backbone_tables_v1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    create_backbone_tables_v1(op)
    op.create_table(
        "recipient",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("delegation_id", sa.String(36), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("is_focal_point", sa.Boolean, nullable=False),
    )
    op.create_table(
        "email",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("dedup_key", sa.String(300), nullable=False, unique=True),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("recipient_id", sa.String(36), nullable=False, index=True),
        sa.Column("to_address", sa.String(320), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("text_body", sa.Text, nullable=False),
        sa.Column("html_body", sa.Text, nullable=False),
        sa.Column("correlation_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
        sa.Column("claimed_until", UtcDateTime()),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("sent_at", UtcDateTime()),
        sa.Column("last_error", sa.Text),
    )


def downgrade():
    op.drop_table("email")
    op.drop_table("recipient")
    drop_backbone_tables_v1(op)
