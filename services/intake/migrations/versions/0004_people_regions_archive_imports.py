"""People and places as real records have them, and archive imports.

A delegation may give a region instead of a country (subregional mechanisms,
international organisations; `country` keeps the region's name, NOT NULL as
before); each delegate may list the languages they
speak and the sessions they are present at; every archive import is kept
(who loaded which records of a past workshop, when) and the revisions it
made point at it. Only nullable columns and a new table: code of the
previous release keeps working beside this schema.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op
from rueda_backbone.tables import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    # `country` stays NOT NULL (a regional delegation keeps its region's name
    # there too): making it nullable would have SQLite copy the table under
    # its delegates' foreign keys
    with op.batch_alter_table("delegation") as batch:
        batch.add_column(sa.Column("region", sa.String(100)))
    with op.batch_alter_table("delegate") as batch:
        batch.add_column(sa.Column("languages", sa.JSON))
        batch.add_column(sa.Column("sessions", sa.JSON))
    op.create_table(
        "archive_import",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("workshop_id", sa.String(36), nullable=False, index=True),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("origin", sa.String(300), nullable=False),
        sa.Column("counts", sa.JSON, nullable=False),
        sa.Column("imported_at", UtcDateTime(), nullable=False),
    )
    with op.batch_alter_table("form_version") as batch:
        batch.add_column(sa.Column("import_id", sa.String(36)))


def downgrade():
    with op.batch_alter_table("form_version") as batch:
        batch.drop_column("import_id")
    op.drop_table("archive_import")
    with op.batch_alter_table("delegate") as batch:
        batch.drop_column("sessions")
        batch.drop_column("languages")
    # a regional delegation keeps its region's name as its place, as before
    with op.batch_alter_table("delegation") as batch:
        batch.drop_column("region")
