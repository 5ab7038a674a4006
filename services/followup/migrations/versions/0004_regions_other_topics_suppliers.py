"""Real records: a delegation may give a region instead of a country
(subregional mechanisms, international organisations); an activity keeps the
free-text label of a topic `other` (so does a program) and whether its supplying side is several
delegations not yet named. Rows from before keep their meaning (a null
supplier status is read from the list of supplying delegations).

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
        batch.add_column(sa.Column("region", sa.String(100)))
        batch.alter_column("country", existing_type=sa.String(100), nullable=True)
    with op.batch_alter_table("activity") as batch:
        batch.add_column(sa.Column("other_topic", sa.String(200)))
        batch.add_column(sa.Column("supplier_status", sa.String(30)))
    with op.batch_alter_table("program") as batch:
        batch.add_column(sa.Column("other_topic", sa.String(200)))


def downgrade():
    with op.batch_alter_table("program") as batch:
        batch.drop_column("other_topic")
    with op.batch_alter_table("activity") as batch:
        batch.drop_column("supplier_status")
        batch.drop_column("other_topic")
    op.execute("UPDATE delegation SET country = COALESCE(region, '') WHERE country IS NULL")
    with op.batch_alter_table("delegation") as batch:
        batch.alter_column("country", existing_type=sa.String(100), nullable=False)
        batch.drop_column("region")
