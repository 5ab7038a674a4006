"""console's first schema: sign-in records, sessions, preferences, sign-in
attempts, and the backbone tables.

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
        "sign_in_record",
        sa.Column("staff_id", sa.String(36), primary_key=True),
        sa.Column("login", sa.String(320), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("last_signed_in_at", UtcDateTime()),
    )
    op.create_table(
        "console_session",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("staff_id", sa.String(36), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("roles", sa.JSON, nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("address", sa.String(64)),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("last_seen_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False, index=True),
        sa.Column("roles_checked_at", UtcDateTime(), nullable=False),
        sa.Column("flash", sa.JSON),
    )
    op.create_table(
        "preference",
        sa.Column("staff_id", sa.String(36), primary_key=True),
        sa.Column("language", sa.String(2)),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "sign_in_attempt",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("login", sa.String(320), nullable=False, index=True),
        sa.Column("address", sa.String(64), nullable=False, index=True),
        sa.Column("succeeded", sa.Boolean, nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False, index=True),
    )


def downgrade():
    op.drop_table("sign_in_attempt")
    op.drop_table("preference")
    op.drop_table("console_session")
    op.drop_table("sign_in_record")
    drop_backbone_tables_v1(op)
