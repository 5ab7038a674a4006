"""idempotent_request as the backbone keeps it: the key is claimed with the
request's effect and its answer added right after, so status and response are
empty in between.

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
    # SQLite cannot alter a column in place: batch mode copies the table
    with op.batch_alter_table("idempotent_request") as batch:
        batch.alter_column("status", existing_type=sa.Integer, nullable=True)
        batch.alter_column("response", existing_type=sa.JSON, nullable=True)


def downgrade():
    # a claim without its answer (its process died in between) cannot be kept
    op.execute("DELETE FROM idempotent_request WHERE status IS NULL OR response IS NULL")
    with op.batch_alter_table("idempotent_request") as batch:
        batch.alter_column("status", existing_type=sa.Integer, nullable=False)
        batch.alter_column("response", existing_type=sa.JSON, nullable=False)
