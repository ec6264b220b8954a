"""Columns on big tables: a new column filled for existing rows, and a type change by expand/contract.

Expand/contract (as pgroll and Reshape do it) replaces ``ALTER COLUMN … TYPE``, which rewrites the table under an
ACCESS EXCLUSIVE lock (reads blocked too): a shadow column of the new type, kept in step with the old one by a
trigger, is filled by a batched backfill, made NOT NULL and given the default as needed, then swapped in within
one short transaction — the revision's own, which also writes its version row.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from app.infrastructure.database.migration.safe import catalog, keys
from app.infrastructure.database.migration.safe.backfill import backfill as run_backfill
from app.infrastructure.database.migration.safe.constraints import set_not_null
from app.infrastructure.database.migration.safe.context import on_postgresql, online, qualified, quote

SMALL_TABLE_ROWS = 100_000
"""Below this many rows a type change is the plain ``ALTER COLUMN … TYPE`` (their rewrite takes well under a second)."""


def add_column(
    table_name: str,
    column: sa.Column[Any],
    *,
    backfill: str,
    schema: str | None = None,
    key: str = "id",
    batch_size: int = 10_000,
    pause: float = 0.0,
    target_seconds: float | None = None,
) -> None:
    """``op.add_column()`` for a column whose existing rows need values, computed by the SQL expression ``backfill``.

    PostgreSQL: the column is added nullable and without a default (instant), gets its server default (for rows
    written from now on), is backfilled in batches (:func:`.backfill`), then made NOT NULL if it is not nullable
    (:func:`.set_not_null`). SQLite: add, one ``UPDATE``, then NOT NULL and the default in batch mode.
    """
    name = column.name
    default = column.server_default.arg if isinstance(column.server_default, sa.DefaultClause) else None
    if not (on_postgresql() and online() and catalog.column(table_name, name, schema) is not None):
        op.add_column(table_name, sa.Column(name, column.type, nullable=True, comment=column.comment), schema=schema)
    if on_postgresql() and default is not None:
        op.alter_column(table_name, name, server_default=default, schema=schema)  # type: ignore[arg-type]
    run_backfill(
        table_name,
        set_={name: backfill},
        where=f"{quote(name)} IS NULL",
        key=key,
        schema=schema,
        batch_size=batch_size,
        pause=pause,
        target_seconds=target_seconds,
    )
    if on_postgresql():
        if not column.nullable:
            set_not_null(table_name, name, schema=schema)
        return
    with op.batch_alter_table(table_name, schema=schema) as batch:
        batch.alter_column(name, nullable=bool(column.nullable), server_default=default)  # type: ignore[arg-type]


def alter_column_type(
    table_name: str,
    column_name: str,
    type_: sa.types.TypeEngine[Any],
    *,
    existing_type: sa.types.TypeEngine[Any] | None = None,
    existing_nullable: bool | None = None,
    schema: str | None = None,
    key: str = "id",
    batch_size: int = 10_000,
    pause: float = 0.0,
    target_seconds: float | None = None,
    small_table_rows: int = SMALL_TABLE_ROWS,
) -> None:
    """``op.alter_column(type_=…)`` by expand/contract on PostgreSQL when the change rewrites a big table.

    The plain ``ALTER`` is kept when no rewrite happens (a binary-coercible change such as ``varchar`` → ``text``)
    and for tables below ``small_table_rows`` rows, and on SQLite (batch mode). The swap carries over the primary
    key, the column's single-column indexes (built again concurrently beforehand) and its sequence (:mod:`.keys`);
    it raises UnsafeOperationError for a big table whose column anything else uses. ``existing_nullable`` only
    shapes the offline SQL; online, the column's NOT NULL and default are read from the database.
    """
    if not on_postgresql():
        with op.batch_alter_table(table_name, schema=schema) as batch:
            batch.alter_column(column_name, type_=type_, existing_type=existing_type)
        return
    shadow = shadow_name(column_name)
    target = type_.compile(dialect=op.get_context().dialect)
    not_null, default, resuming, carried = existing_nullable is False, None, False, keys.NOTHING
    if online():
        current = catalog.column(table_name, column_name, schema)
        resuming = catalog.column(table_name, shadow, schema) is not None
        if current is None or not (resuming or _needs_expand(table_name, current[0], target, schema, small_table_rows)):
            op.alter_column(table_name, column_name, type_=type_, existing_type=existing_type, schema=schema)
            if current is not None:
                keys.widen_sequence(catalog.key_column(table_name, column_name, schema)[0], target)
            return
        _, not_null, default = current
        carried = keys.carried_over(table_name, column_name, target, schema, small_table_rows)
    if not resuming:
        op.add_column(table_name, sa.Column(shadow, type_, nullable=True), schema=schema)
    table, old, new, sync = (
        qualified(table_name, schema),
        quote(column_name),
        quote(shadow),
        _sync_function(table_name, column_name, schema),
    )
    op.execute(
        f"CREATE OR REPLACE FUNCTION {sync}() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN NEW.{new} := NEW.{old}; RETURN NEW; END $$"
    )
    op.execute(f"DROP TRIGGER IF EXISTS {quote(shadow)} ON {table}")
    op.execute(
        f"CREATE TRIGGER {quote(shadow)} BEFORE INSERT OR UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION {sync}()"
    )
    run_backfill(
        table_name,
        set_={shadow: f"CAST({old} AS {target})"},
        where=f"{new} IS NULL AND {old} IS NOT NULL",
        key=key,
        schema=schema,
        batch_size=batch_size,
        pause=pause,
        target_seconds=target_seconds,
    )
    if not_null:
        set_not_null(table_name, shadow, schema=schema)
    if default is not None:
        op.alter_column(table_name, shadow, server_default=sa.text(default), schema=schema)
    keys.build_indexes(table_name, shadow, carried, schema)
    # The swap: one short transaction under ACCESS EXCLUSIVE (bounded by lock_timeout), committed with the version row.
    op.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
    op.execute(f"DROP TRIGGER {quote(shadow)} ON {table}")
    op.execute(f"DROP FUNCTION {sync}()")
    keys.hand_over_sequence(table_name, shadow, carried, target, schema)
    op.drop_column(table_name, column_name, schema=schema)
    op.alter_column(table_name, shadow, new_column_name=column_name, schema=schema)
    keys.attach(table_name, carried, schema)


def shadow_name(column_name: str) -> str:
    """The name of the shadow column (and of its trigger) during a type change of ``column_name``."""
    return f"{column_name[:57]}__new"


def _sync_function(table_name: str, column_name: str, schema: str | None) -> str:
    name = quote(f"{table_name}_{column_name}_sync"[:63])
    return f"{quote(schema)}.{name}" if schema else name


def _needs_expand(table: str, source_oid: int, target: str, schema: str | None, small: int) -> bool:
    return catalog.rewrites(source_oid, catalog.type_oid(target)) and catalog.has_rows(table, schema, small)
