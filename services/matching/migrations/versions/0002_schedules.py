"""Workshops, interests, withdrawals and reviews in the read model; pins and schedules.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op
from rueda_backbone.tables import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "workshop",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("sessions", sa.JSON, nullable=False),
        sa.Column("tables_per_session", sa.Integer, nullable=False),
        sa.Column("table_capacity", sa.Integer, nullable=False),
        sa.Column("round_minutes", sa.Integer, nullable=False),
        sa.Column("max_runs_per_program", sa.Integer, nullable=False),
        sa.Column("rank_weights", sa.JSON, nullable=True),
        sa.Column("interests_deadline", UtcDateTime(), nullable=True),
        sa.Column("deadline_planned_at", UtcDateTime(), nullable=True),
        sa.Column("replan_requested_at", UtcDateTime(), nullable=True),
    )
    # a withdrawal may arrive before the submission it withdraws: such a row
    # knows only its id and version, so the descriptive columns become nullable
    with op.batch_alter_table("delegation") as batch:
        batch.add_column(sa.Column("workshop_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("version", sa.Integer, nullable=False, server_default="1"))
        batch.add_column(sa.Column("withdrawn", sa.Boolean, nullable=False,
                                   server_default=sa.false()))
        for name in ("name", "country", "delegates", "registered_at"):
            batch.alter_column(name, nullable=True)
        batch.create_index("ix_delegation_workshop_id", ["workshop_id"])
    with op.batch_alter_table("program") as batch:
        batch.add_column(sa.Column("workshop_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("withdrawn", sa.Boolean, nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("returned_version", sa.Integer, nullable=True))
        for name in ("host_delegation_id", "title", "topics", "submitted_at"):
            batch.alter_column(name, nullable=True)
        batch.create_index("ix_program_workshop_id", ["workshop_id"])
    op.create_table(
        "interest",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("workshop_id", sa.String(36), nullable=False, index=True),
        sa.Column("delegation_id", sa.String(36), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("withdrawn", sa.Boolean, nullable=False),
        sa.Column("programs", sa.JSON, nullable=True),
        sa.Column("submitted_at", UtcDateTime(), nullable=True),
    )
    op.create_table(
        "pin",
        sa.Column("workshop_id", sa.String(36), primary_key=True),
        sa.Column("program_id", sa.String(36), primary_key=True),
        sa.Column("session", sa.Integer, nullable=False),
        sa.Column("table", sa.Integer, nullable=True),
        sa.Column("pinned_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "schedule",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("workshop_id", sa.String(36), nullable=False, index=True),
        sa.Column("trigger", sa.String(20), nullable=False),
        sa.Column("computed_at", UtcDateTime(), nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("revision", sa.Integer, nullable=True),
        sa.Column("published_at", UtcDateTime(), nullable=True),
        sa.UniqueConstraint("workshop_id", "revision"),
    )


def downgrade():
    op.drop_table("schedule")
    op.drop_table("pin")
    op.drop_table("interest")
    with op.batch_alter_table("program") as batch:
        batch.drop_index("ix_program_workshop_id")
        for name in ("workshop_id", "withdrawn", "returned_version"):
            batch.drop_column(name)
    with op.batch_alter_table("delegation") as batch:
        batch.drop_index("ix_delegation_workshop_id")
        for name in ("workshop_id", "version", "withdrawn"):
            batch.drop_column(name)
    op.drop_table("workshop")
