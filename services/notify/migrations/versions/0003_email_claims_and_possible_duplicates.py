"""Email claims a sender holds for seconds (renewed while it sends), the
start of each SMTP hand-off, and the possible duplicates a cut hand-off
leaves in the delivery log.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op
from rueda_backbone.tables import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("email") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(64)))
        batch.add_column(sa.Column("handoff_at", UtcDateTime()))
        batch.add_column(sa.Column("possible_duplicate", sa.Boolean, nullable=False,
                                   server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("email") as batch:
        batch.drop_column("possible_duplicate")
        batch.drop_column("handoff_at")
        batch.drop_column("claimed_by")
