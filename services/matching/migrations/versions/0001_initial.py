"""matching's first schema: its copy of delegations and programs, and the backbone tables.

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
        "delegation",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("country", sa.String(100), nullable=False),
        sa.Column("delegates", sa.Integer, nullable=False),
        sa.Column("registered_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "program",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("host_delegation_id", sa.String(36), nullable=False, index=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("topics", sa.JSON, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("submitted_at", UtcDateTime(), nullable=False),
    )


def downgrade():
    op.drop_table("program")
    op.drop_table("delegation")
    drop_backbone_tables_v1(op)
