"""People in the read model: each delegation's delegates (presence and
languages, delegation_registered v3), each program's presenting delegates
(program_submitted v3) and each interest's attending delegates
(interest_submitted v2). Nullable: rows from older versions keep a delegate
count only.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("delegation") as batch:
        batch.add_column(sa.Column("people", sa.JSON, nullable=True))
    with op.batch_alter_table("program") as batch:
        batch.add_column(sa.Column("presenters", sa.JSON, nullable=True))
    with op.batch_alter_table("interest") as batch:
        batch.add_column(sa.Column("attendees", sa.JSON, nullable=True))


def downgrade():
    with op.batch_alter_table("interest") as batch:
        batch.drop_column("attendees")
    with op.batch_alter_table("program") as batch:
        batch.drop_column("presenters")
    with op.batch_alter_table("delegation") as batch:
        batch.drop_column("people")
