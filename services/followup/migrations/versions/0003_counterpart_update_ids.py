"""Counterpart updates carry the sender's id (`update_id`), so one update
re-sent under a new event id is still recorded once. Updates posted over HTTP
before this have none.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("counterpart_update") as batch:
        batch.add_column(sa.Column("update_id", sa.String(36)))
        batch.create_unique_constraint("uq_counterpart_update_update_id", ["update_id"])


def downgrade():
    with op.batch_alter_table("counterpart_update") as batch:
        batch.drop_constraint("uq_counterpart_update_update_id", type_="unique")
        batch.drop_column("update_id")
