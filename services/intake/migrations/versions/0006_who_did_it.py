"""Who did it: every kept revision (form_version.changed_by) and the
workshop's latest revision (workshop.updated_by) name the staff member the
console acted for ("staff:<id> (<name>)"), else the request's origin.
Nullable columns only: code of the previous release keeps working beside
this schema; older revisions stay null (before 0006).

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("form_version") as batch:
        batch.add_column(sa.Column("changed_by", sa.String(300)))
    with op.batch_alter_table("workshop") as batch:
        batch.add_column(sa.Column("updated_by", sa.String(300)))


def downgrade():
    with op.batch_alter_table("workshop") as batch:
        batch.drop_column("updated_by")
    with op.batch_alter_table("form_version") as batch:
        batch.drop_column("changed_by")
