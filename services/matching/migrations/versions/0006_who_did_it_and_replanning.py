"""Who did it, and each workshop's re-planning setting: a schedule keeps who
asked for it and who published it, a pin who pinned it ("staff:<id>
(<name>)" when the console acted for a person, else the origin); a workshop
may say whether a re-plan publishes on its own (null: REPLAN_AUTOPUBLISH).
Nullable columns only: code of the previous release keeps working beside
this schema.

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
    with op.batch_alter_table("schedule") as batch:
        batch.add_column(sa.Column("computed_by", sa.String(300)))
        batch.add_column(sa.Column("published_by", sa.String(300)))
    with op.batch_alter_table("pin") as batch:
        batch.add_column(sa.Column("pinned_by", sa.String(300)))
    with op.batch_alter_table("workshop") as batch:
        batch.add_column(sa.Column("replan_autopublish", sa.Boolean))


def downgrade():
    with op.batch_alter_table("workshop") as batch:
        batch.drop_column("replan_autopublish")
    with op.batch_alter_table("pin") as batch:
        batch.drop_column("pinned_by")
    with op.batch_alter_table("schedule") as batch:
        batch.drop_column("published_by")
        batch.drop_column("computed_by")
