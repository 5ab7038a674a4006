"""followup's first schema: delegations and the backbone tables.

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
        sa.Column("institution", sa.String(300), nullable=False),
        sa.Column("acronym", sa.String(50)),
        sa.Column("country", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("focal_point_delegate_id", sa.String(36)),
        sa.Column("registered_at", UtcDateTime(), nullable=False),
    )


def downgrade():
    op.drop_table("delegation")
    drop_backbone_tables_v1(op)
