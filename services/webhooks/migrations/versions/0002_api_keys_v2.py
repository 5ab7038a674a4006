"""API keys v2: several keys per client, each with scopes and an expiry;
every v1 key is carried over with all scopes.

Revision ID: 0002
Revises: 0001
"""
from alembic import op
from rueda_backbone.tables import create_api_keys_table_v2

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_api_keys_table_v2(op)


def downgrade() -> None:
    op.drop_table("api_key")
