"""What emails call a delegation (from delegation_registered), the note and
time of a resend in the delivery log, and the delegations of each cooperation
activity (for the funding email).

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

from rueda_backbone.tables import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("delegation") as batch:
        batch.add_column(sa.Column("acronym", sa.String(50)))
        batch.add_column(sa.Column("institution", sa.String(300)))
        batch.add_column(sa.Column("country", sa.String(100)))
        batch.add_column(sa.Column("region", sa.String(100)))
        batch.add_column(sa.Column("registration_version", sa.Integer))
    with op.batch_alter_table("email") as batch:
        batch.add_column(sa.Column("resent_at", UtcDateTime()))
        batch.add_column(sa.Column("note", sa.Text))
    op.create_table(
        "activity",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("delegation_ids", sa.JSON, nullable=False),
    )


def downgrade():
    op.drop_table("activity")
    with op.batch_alter_table("email") as batch:
        batch.drop_column("note")
        batch.drop_column("resent_at")
    with op.batch_alter_table("delegation") as batch:
        for column in ("registration_version", "region", "country", "institution", "acronym"):
            batch.drop_column(column)
