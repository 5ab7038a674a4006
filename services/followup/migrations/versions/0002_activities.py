"""Cooperation activities, their audit trail and follow-ups, funding selection,
and what followup knows of workshops, programs, staff and the schedule.

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
    with op.batch_alter_table("delegation") as batch:
        batch.add_column(sa.Column("workshop_id", sa.String(36)))
        batch.add_column(sa.Column("version", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("withdrawn_version", sa.Integer))
    op.create_table(
        "workshop",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("title", sa.String(300)),
        sa.Column("time_zone", sa.String(64)),
        sa.Column("cadence_days", sa.JSON, nullable=False),
        sa.Column("due_soon_days", sa.Integer),
        sa.Column("escalation_days", sa.Integer),
        sa.Column("schedule_revision", sa.Integer, nullable=False),
    )
    op.create_table(
        "program",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("workshop_id", sa.String(36)),
        sa.Column("delegation_id", sa.String(36), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("country", sa.String(100)),
        sa.Column("topics", sa.JSON, nullable=False),
    )
    op.create_table(
        "staff_member",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("roles", sa.JSON, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "expression",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("workshop_id", sa.String(36), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("withdrawn_version", sa.Integer),
    )
    op.create_table(
        "schedule_round",
        sa.Column("workshop_id", sa.String(36), primary_key=True),
        sa.Column("round_id", sa.String(64), primary_key=True),
        sa.Column("session", sa.Integer, nullable=False),
        sa.Column("table", sa.Integer, nullable=False),
        sa.Column("program_id", sa.String(36)),
        sa.Column("starts_at", UtcDateTime()),
    )
    op.create_table(
        "activity",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("workshop_id", sa.String(36), nullable=False, index=True),
        sa.Column("expression_id", sa.String(36), unique=True),
        sa.Column("title", sa.String(300)),
        sa.Column("demanding_delegation_id", sa.String(36), nullable=False),
        sa.Column("supplying_delegation_ids", sa.JSON, nullable=False),
        sa.Column("program_id", sa.String(36)),
        sa.Column("topic", sa.String(100)),
        sa.Column("activity_types", sa.JSON, nullable=False),
        sa.Column("mechanism", sa.String(40)),
        sa.Column("focus", sa.String(40)),
        sa.Column("description", sa.Text),
        sa.Column("contact_delegate_ids", sa.JSON, nullable=False),
        sa.Column("round_session", sa.Integer),
        sa.Column("round_table", sa.Integer),
        sa.Column("state", sa.String(20), nullable=False, index=True),
        sa.Column("funding_source", sa.String(40)),
        sa.Column("planned_start", sa.Date),
        sa.Column("planned_end", sa.Date),
        sa.Column("terms_of_reference", sa.Text),
        sa.Column("owner_staff_id", sa.String(36), index=True),
        sa.Column("follow_up_on", sa.Date),
        sa.Column("estimated_cost", sa.BigInteger),
        sa.Column("currency", sa.String(3)),
        sa.Column("scores", sa.JSON, nullable=False),
        sa.Column("proposed_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "activity_change",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("activity_id", sa.String(36), nullable=False, index=True),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("origin", sa.String(200), nullable=False),
        sa.Column("from_state", sa.String(20)),
        sa.Column("to_state", sa.String(20)),
        sa.Column("reason", sa.Text),
        sa.Column("details", sa.JSON, nullable=False),
    )
    op.create_table(
        "counterpart_update",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("activity_id", sa.String(36), nullable=False, index=True),
        sa.Column("delegation_id", sa.String(36), nullable=False),
        sa.Column("delegate_id", sa.String(36)),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "follow_up_notice",
        sa.Column("activity_id", sa.String(36), primary_key=True),
        sa.Column("level", sa.String(20), primary_key=True),
        sa.Column("follow_up_on", sa.Date, primary_key=True),
        sa.Column("detected_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "criterion",
        sa.Column("workshop_id", sa.String(36), primary_key=True),
        sa.Column("key", sa.String(50), primary_key=True),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("weight", sa.Integer, nullable=False),
    )
    op.create_table(
        "funding_selection",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("workshop_id", sa.String(36), nullable=False, index=True),
        sa.Column("budget", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("funding_source", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("selected", sa.JSON, nullable=False),
        sa.Column("candidate_count", sa.Integer, nullable=False),
        sa.Column("total_cost", sa.BigInteger, nullable=False),
        sa.Column("total_score", sa.Integer, nullable=False),
        sa.Column("proposed_by", sa.String(100), nullable=False),
        sa.Column("proposed_at", UtcDateTime(), nullable=False),
        sa.Column("confirmed_by", sa.String(100)),
        sa.Column("confirmed_at", UtcDateTime()),
    )
    op.create_table(
        "weekly_digest",
        sa.Column("owner_staff_id", sa.String(36), primary_key=True),
        sa.Column("week_of", sa.Date, primary_key=True),
        sa.Column("digest_id", sa.String(36), nullable=False),
        sa.Column("prepared_at", UtcDateTime(), nullable=False),
    )


def downgrade():
    for table in ("weekly_digest", "funding_selection", "criterion", "follow_up_notice",
                  "counterpart_update", "activity_change", "activity", "schedule_round",
                  "expression", "staff_member", "program", "workshop"):
        op.drop_table(table)
    with op.batch_alter_table("delegation") as batch:
        batch.drop_column("withdrawn_version")
        batch.drop_column("version")
        batch.drop_column("workshop_id")
