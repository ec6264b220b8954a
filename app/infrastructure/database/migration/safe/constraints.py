"""Constraints without a long lock: added ``NOT VALID`` (no scan), then validated in a transaction of their own.

``VALIDATE CONSTRAINT`` scans the table under a SHARE UPDATE EXCLUSIVE lock (a foreign key also takes ROW SHARE
on the referenced table), which lets reads and writes through; adding the constraint ``NOT VALID`` takes its
stronger lock only for an instant, since nothing is scanned.
"""

from __future__ import annotations

from typing import Any

from alembic import op
from sqlalchemy.sql.elements import ColumnElement, TextClause

from app.infrastructure.database.migration.safe import catalog
from app.infrastructure.database.migration.safe.context import on_postgresql, online, own_transactions, qualified, quote


def create_foreign_key(
    constraint_name: str,
    source_table: str,
    referent_table: str,
    local_cols: list[str],
    remote_cols: list[str],
    *,
    source_schema: str | None = None,
    **kw: Any,
) -> None:
    """``op.create_foreign_key()``, added ``NOT VALID`` then validated on PostgreSQL; batch mode on SQLite."""
    if not on_postgresql():
        with op.batch_alter_table(source_table, schema=source_schema) as batch:
            batch.create_foreign_key(constraint_name, referent_table, local_cols, remote_cols, **kw)
        return
    if _state(source_table, constraint_name, source_schema) is catalog.State.MISSING:
        op.create_foreign_key(
            constraint_name,
            source_table,
            referent_table,
            local_cols,
            remote_cols,
            source_schema=source_schema,
            postgresql_not_valid=True,
            **kw,
        )
    validate(source_table, constraint_name, schema=source_schema)


def create_check_constraint(
    constraint_name: str,
    table_name: str,
    condition: str | ColumnElement[bool] | TextClause,
    *,
    schema: str | None = None,
    **kw: Any,
) -> None:
    """``op.create_check_constraint()``, added ``NOT VALID`` then validated on PostgreSQL; batch mode on SQLite."""
    if not on_postgresql():
        with op.batch_alter_table(table_name, schema=schema) as batch:
            batch.create_check_constraint(constraint_name, condition, **kw)
        return
    if _state(table_name, constraint_name, schema) is catalog.State.MISSING:
        op.create_check_constraint(
            op.f(constraint_name), table_name, condition, schema=schema, postgresql_not_valid=True, **kw
        )
    validate(table_name, constraint_name, schema=schema)


def validate(table_name: str, constraint_name: str, *, schema: str | None = None) -> None:
    """``ALTER TABLE … VALIDATE CONSTRAINT`` in a transaction of its own, unless the constraint is already valid."""
    if online() and _state(table_name, constraint_name, schema) is catalog.State.VALID:
        return
    with own_transactions():
        op.execute(f"ALTER TABLE {qualified(table_name, schema)} VALIDATE CONSTRAINT {quote(constraint_name)}")


def set_not_null(table_name: str, column_name: str, *, schema: str | None = None) -> None:
    """``ALTER COLUMN … SET NOT NULL`` without a scan under ACCESS EXCLUSIVE on PostgreSQL; batch mode on SQLite.

    PostgreSQL: ``CHECK (col IS NOT NULL) NOT VALID``, ``VALIDATE`` (the scan, writes still allowed), then in the
    revision's transaction ``SET NOT NULL`` — which the valid check lets PostgreSQL skip its own scan for — and
    the drop of the check: the ACCESS EXCLUSIVE lock lasts only as long as those two catalog changes.
    """
    if not on_postgresql():
        with op.batch_alter_table(table_name, schema=schema) as batch:
            batch.alter_column(column_name, nullable=False)
        return
    check = not_null_check_name(table_name, column_name)
    found = catalog.column(table_name, column_name, schema) if online() else None
    if found is not None and found[1]:  # already NOT NULL; a crash cannot leave the check behind (same transaction)
        return
    create_check_constraint(check, table_name, f"{quote(column_name)} IS NOT NULL", schema=schema)
    op.alter_column(table_name, column_name, nullable=False, schema=schema)
    op.drop_constraint(op.f(check), table_name, type_="check", schema=schema)


def not_null_check_name(table_name: str, column_name: str) -> str:
    """The name of the temporary check behind :func:`set_not_null` (at most 63 characters, as PostgreSQL allows)."""
    return f"ck_{table_name}_{column_name}_not_null"[:63]


def _state(table: str, name: str, schema: str | None) -> catalog.State:
    return catalog.constraint_state(table, name, schema) if online() else catalog.State.MISSING
