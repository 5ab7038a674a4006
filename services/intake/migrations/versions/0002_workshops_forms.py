"""Workshops, staff, every form with its drafts and revisions, idempotent requests.

Program profiles move from `program` into the generic `form` table (with their
first revision in `form_version`); delegations gain their workshop, revision
and state; erased delegates are remembered by id only.

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
        sa.Column("form", sa.JSON, nullable=False),
        sa.Column("late_windows", sa.JSON, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    with op.batch_alter_table("delegation") as batch:
        batch.add_column(sa.Column("workshop_id", sa.String(36), index=True))
        batch.add_column(sa.Column("version", sa.Integer, nullable=False, server_default="1"))
        batch.add_column(sa.Column("status", sa.String(20), nullable=False,
                                   server_default="registered"))
        batch.add_column(sa.Column("updated_at", UtcDateTime()))
        batch.add_column(sa.Column("withdrawn_at", UtcDateTime()))
    op.create_table(
        "erased_delegate",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("delegation_id", sa.String(36), nullable=False, index=True),
        sa.Column("erased_at", UtcDateTime(), nullable=False),
    )
    form = op.create_table(
        "form",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(30), nullable=False, index=True),
        sa.Column("workshop_id", sa.String(36), index=True),
        sa.Column("delegation_id", sa.String(36), index=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("title", sa.String(300)),
        sa.Column("data", sa.JSON),
        sa.Column("draft", sa.JSON),
        sa.Column("review", sa.JSON),
        sa.Column("submitted_at", UtcDateTime()),
        sa.Column("withdrawn_at", UtcDateTime()),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    version = op.create_table(
        "form_version",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("subject_id", sa.String(36), nullable=False, index=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("subject_id", "version", "action"),
    )
    op.create_table(
        "staff_member",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("roles", sa.JSON, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "idempotent_request",
        sa.Column("client", sa.String(100), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("response", sa.JSON, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    # program profiles submitted before 0002 keep their id and revision
    connection = op.get_bind()
    old = sa.table("program", sa.column("id"), sa.column("delegation_id"), sa.column("title"),
                   sa.column("topics", sa.JSON), sa.column("version"),
                   sa.column("submitted_at", UtcDateTime()))
    for row in connection.execute(sa.select(old)).mappings().all():
        data = {"delegation_id": row["delegation_id"], "title": row["title"],
                "topics": row["topics"]}
        connection.execute(sa.insert(form).values(
            id=row["id"], kind="program", delegation_id=row["delegation_id"], status="submitted",
            version=row["version"], title=row["title"], data=data,
            submitted_at=row["submitted_at"], created_at=row["submitted_at"],
            updated_at=row["submitted_at"]))
        connection.execute(sa.insert(version).values(
            subject_id=row["id"], kind="program", version=row["version"], action="submitted",
            data=data, recorded_at=row["submitted_at"]))
    op.drop_table("program")


def downgrade():
    raise NotImplementedError("0002 moved program profiles into `form`; restore a backup instead")
