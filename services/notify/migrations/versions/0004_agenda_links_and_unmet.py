"""Personal agenda pages and calendar feeds (one unguessable link per
delegate and workshop), and the unmet interests of each schedule revision.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

from rueda_backbone.tables import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "agenda_link",
        sa.Column("token", sa.String(64), primary_key=True),
        sa.Column("workshop_id", sa.String(64), nullable=False),
        sa.Column("recipient_id", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("workshop_id", "recipient_id"),
    )
    op.create_index("ix_agenda_link_recipient_id", "agenda_link", ["recipient_id"])
    with op.batch_alter_table("schedule_revision") as batch:
        batch.add_column(sa.Column("unmet", sa.JSON))


def downgrade():
    with op.batch_alter_table("schedule_revision") as batch:
        batch.drop_column("unmet")
    op.drop_index("ix_agenda_link_recipient_id", table_name="agenda_link")
    op.drop_table("agenda_link")
