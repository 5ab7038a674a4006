"""The full directory (staff, delegations, opt-outs), workshops, programs,
schedule revisions and debounced agenda notices, email attachments.

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
    # batch mode: SQLite cannot alter a column in place
    with op.batch_alter_table("recipient") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="delegate"))
        batch.add_column(sa.Column("roles", sa.JSON, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("version", sa.Integer, nullable=False, server_default="0"))
        batch.alter_column("id", type_=sa.String(64), existing_type=sa.String(36))
        batch.alter_column("delegation_id", nullable=True, type_=sa.String(64),
                           existing_type=sa.String(36))
    with op.batch_alter_table("email") as batch:
        batch.alter_column("recipient_id", type_=sa.String(64), existing_type=sa.String(36))
    op.create_table(
        "delegation",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("workshop_id", sa.String(64)),
        sa.Column("name", sa.String(300)),
        sa.Column("contacts_version", sa.Integer, nullable=False),
        sa.Column("withdrawn_version", sa.Integer),
    )
    op.create_table(
        "opt_out",
        sa.Column("recipient_id", sa.String(64), primary_key=True),
        sa.Column("category", sa.String(50), primary_key=True),
    )
    op.create_table(
        "workshop",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("languages", sa.JSON, nullable=False),
        sa.Column("deadline_programs", UtcDateTime()),
        sa.Column("deadline_interests", UtcDateTime()),
        sa.Column("deadline_expressions", UtcDateTime()),
    )
    op.create_table(
        "program",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("delegation_id", sa.String(64), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "schedule_revision",
        sa.Column("workshop_id", sa.String(64), primary_key=True),
        sa.Column("revision", sa.Integer, primary_key=True),
        sa.Column("schedule_id", sa.String(64), nullable=False),
        sa.Column("delegations", sa.JSON, nullable=False),
        sa.Column("rounds", sa.JSON, nullable=False),
        sa.Column("correlation_id", sa.String(64), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "delegation_agenda",
        sa.Column("workshop_id", sa.String(64), primary_key=True),
        sa.Column("delegation_id", sa.String(64), primary_key=True),
        sa.Column("notified_revision", sa.Integer, nullable=False),
        sa.Column("pending_revision", sa.Integer),
        sa.Column("due_at", UtcDateTime(), index=True),
    )
    op.create_table(
        "email_attachment",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("email_id", sa.String(36), sa.ForeignKey("email.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("filename", sa.String(100), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("content_id", sa.String(100)),
    )


def downgrade():
    for table in ("email_attachment", "delegation_agenda", "schedule_revision", "program",
                  "workshop", "opt_out", "delegation"):
        op.drop_table(table)
    with op.batch_alter_table("email") as batch:
        batch.alter_column("recipient_id", type_=sa.String(36), existing_type=sa.String(64))
    with op.batch_alter_table("recipient") as batch:
        batch.alter_column("delegation_id", nullable=False, type_=sa.String(36),
                           existing_type=sa.String(64))
        batch.alter_column("id", type_=sa.String(36), existing_type=sa.String(64))
        for column in ("version", "active", "roles", "kind"):
            batch.drop_column(column)
