"""Keeping a service's copy of another service's record: the latest version wins.

A consumer's read model (matching's programs, notify's titles, followup's
staff) is written by events that may arrive late or twice. `keep_latest`
writes the row with one statement, `INSERT ... ON CONFLICT (primary key) DO
UPDATE ... WHERE stored version < new version`, on SQLite and PostgreSQL.
With the ORM that was a look-up and, at the next flush, an insert or an
update: two round trips and the unit of work's bookkeeping for each event,
most of what a light consumer spent on it.

The ORM does not see the write: a use case that holds the same row as an
object in the same transaction must not use it (read it again instead).
"""

from __future__ import annotations

from functools import cache

import sqlalchemy as sa


def keep_latest(
    session, table: sa.Table, values: dict, *, version: str = "version", keep_if_null=()
) -> bool:
    """Insert `values` as a row of `table`, or update the row with the same
    primary key if its `version` is older; a version that is not newer
    changes nothing. Columns in `keep_if_null` keep their stored value when
    the new one is None. Columns not in `values` are left as they are (on
    insert: their server default or NULL). True when the row was written."""
    statement = _statement(table, tuple(values), version, frozenset(keep_if_null))
    return session.execute(statement, values).rowcount > 0


@cache
def _statement(table: sa.Table, columns: tuple, version: str, keep_if_null: frozenset):
    key = [column.name for column in table.primary_key.columns]
    missing = [name for name in (*key, version) if name not in columns]
    if missing:
        raise ValueError(f"keep_latest needs {', '.join(missing)} among the values")
    name = table.name

    def update(column: str) -> str:
        if column in keep_if_null:
            return f"{column} = COALESCE(excluded.{column}, {name}.{column})"
        return f"{column} = excluded.{column}"

    # text, like the backbone's inbox insert: the dialects' on_conflict
    # constructs are compiled anew on every execution
    return sa.text(
        f"INSERT INTO {name} ({', '.join(columns)}) "
        f"VALUES ({', '.join(':' + c for c in columns)}) "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET "
        + ", ".join(update(c) for c in columns if c not in key)
        + f" WHERE {name}.{version} < excluded.{version}"
    ).bindparams(*(sa.bindparam(c, type_=table.c[c].type) for c in columns))
