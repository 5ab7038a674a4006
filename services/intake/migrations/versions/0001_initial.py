"""intake's first schema: delegations, delegates, programs and the backbone tables.

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
        sa.Column("country", sa.String(100), nullable=False),
        sa.Column("institution", sa.String(300), nullable=False),
        sa.Column("acronym", sa.String(50)),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("working_languages", sa.JSON, nullable=False),
        sa.Column("registered_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "delegate",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("delegation_id", sa.String(36), sa.ForeignKey("delegation.id"), nullable=False,
                  index=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("role", sa.String(200)),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("is_focal_point", sa.Boolean, nullable=False),
    )
    op.create_table(
        "program",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("delegation_id", sa.String(36), sa.ForeignKey("delegation.id"), nullable=False,
                  index=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("topics", sa.JSON, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("submitted_at", UtcDateTime(), nullable=False),
    )


def downgrade():
    op.drop_table("program")
    op.drop_table("delegate")
    op.drop_table("delegation")
    drop_backbone_tables_v1(op)
