"""Solves as jobs (queued, claimed by one replica under a lease, progress,
cancel), each workshop's fairness policy, and the backbone's
idempotent_request table (`POST /schedule` takes an Idempotency-Key).

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op
from rueda_backbone.tables import UtcDateTime, create_idempotency_table_v1

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("workshop") as batch:
        batch.add_column(sa.Column("fairness", sa.JSON, nullable=True))
    op.create_table(
        "solve_job",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("workshop_id", sa.String(36), nullable=False, index=True),
        sa.Column("trigger", sa.String(20), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("time_limit", sa.Float, nullable=False),
        sa.Column("pins", sa.JSON, nullable=False),
        sa.Column("publish", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("requested_at", UtcDateTime(), nullable=True),
        sa.Column("requested_by", sa.String(200), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=True),
        sa.Column("finished_at", UtcDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("claimed_by", sa.String(100), nullable=True),
        sa.Column("lease_until", UtcDateTime(), nullable=True),
        sa.Column("running_slot", sa.String(36), nullable=True, unique=True),
        sa.Column("cancel_requested_at", UtcDateTime(), nullable=True),
        sa.Column("stage", sa.String(20), nullable=True),
        sa.Column("objective", sa.Integer, nullable=True),
        sa.Column("bound", sa.Integer, nullable=True),
        sa.Column("solutions", sa.Integer, nullable=True),
        sa.Column("progress_at", UtcDateTime(), nullable=True),
        sa.Column("schedule_id", sa.String(36), nullable=True),
        sa.Column("error", sa.JSON, nullable=True),
    )
    op.create_index("ix_solve_job_state_created_at", "solve_job", ["state", "created_at"])
    create_idempotency_table_v1(op)


def downgrade():
    op.drop_table("idempotent_request")
    op.drop_index("ix_solve_job_state_created_at", table_name="solve_job")
    op.drop_table("solve_job")
    with op.batch_alter_table("workshop") as batch:
        batch.drop_column("fairness")
