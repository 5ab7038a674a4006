"""Staff members' language (from intake's staff_member_registered), so the
weekly digest's charts are labelled in it; nullable: members registered
before it read English until their next registration event.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_member") as batch:
        batch.add_column(sa.Column("language", sa.String(5), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff_member") as batch:
        batch.drop_column("language")
