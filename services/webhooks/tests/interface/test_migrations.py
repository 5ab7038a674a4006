"""The migrations build the schema the models declare, on SQLite and PostgreSQL."""

import sqlalchemy as sa

from rueda_backbone import tables
from rueda_backbone.database import Store, upgrade
from webhooks.models import Base


def test_the_migrated_schema_has_every_table_column_and_index_of_the_models(
    alembic_ini, database_url
):
    upgrade(alembic_ini, database_url)
    inspector = sa.inspect(Store.for_url(database_url).engine)
    for table in [*Base.metadata.sorted_tables, *tables.metadata.sorted_tables]:
        columns = {c["name"]: c for c in inspector.get_columns(table.name)}
        assert set(columns) == {c.name for c in table.columns}, table.name
        for column in table.columns:
            assert columns[column.name]["nullable"] == column.nullable, (table.name, column.name)
        indexes = {i["name"] for i in inspector.get_indexes(table.name)}
        assert {i.name for i in table.indexes} <= indexes, table.name
    uniques = {u["name"] for u in inspector.get_unique_constraints("delivery")}
    assert "uq_delivery_event" in uniques
