"""``CREATE INDEX CONCURRENTLY``: writes go on while the index builds; a failed build is rebuilt on the next run."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from alembic import op
from sqlalchemy.sql.elements import TextClause

from app.infrastructure.database.migration.safe import catalog
from app.infrastructure.database.migration.safe.context import on_postgresql, online, own_transactions


def create_index(
    index_name: str | None,
    table_name: str,
    columns: Sequence[str | TextClause],
    *,
    schema: str | None = None,
    unique: bool = False,
    **kw: Any,
) -> None:
    """``op.create_index()``, built without blocking writes on PostgreSQL; the plain form on SQLite.

    PostgreSQL: ``CREATE INDEX CONCURRENTLY`` outside the revision's transaction (it cannot run in one). It takes a
    SHARE UPDATE EXCLUSIVE lock, which lets reads and writes through, and waits for the transactions already
    writing the table to end (bounded by ``lock_timeout``). A build that failed or was killed leaves an INVALID
    index (``pg_index.indisvalid``): the next run drops it (concurrently) and builds it again; a valid index of
    that name is kept.
    """
    if not on_postgresql():
        op.create_index(index_name, table_name, columns, schema=schema, unique=unique, **kw)
        return
    if index_name is None:
        raise TypeError("safe.create_index needs the index's name, to find a half-built one on the next run")
    with own_transactions():
        state = catalog.index_state(index_name, schema) if online() else catalog.State.MISSING
        if state is catalog.State.VALID:
            return
        if state is catalog.State.INVALID:
            op.drop_index(index_name, table_name, schema=schema, postgresql_concurrently=True, if_exists=True)
        op.create_index(
            index_name,
            table_name,
            columns,
            schema=schema,
            unique=unique,
            postgresql_concurrently=True,
            if_not_exists=True,
            **kw,
        )
