"""Differences between the models and the database, described as a developer would write them."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Index, MetaData, Table
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.schema import CheckConstraint, Constraint, ForeignKeyConstraint

from app.infrastructure.database.migration.inspect.comparison import comparison_options, render_default
from app.infrastructure.database.migration.inspect.foreign_tables import owned_tables_only
from app.infrastructure.database.migration.results import Difference


def detect_drift(connection: Connection, metadata: MetaData, script: ScriptDirectory) -> list[Difference]:
    """Compare ``metadata`` with the schema behind ``connection``; return the differences found.

    Foreign tables (neither in ``metadata`` nor created by a revision of ``script``) are not compared.
    """
    context = MigrationContext.configure(
        connection,
        opts={
            **comparison_options(),
            "target_metadata": metadata,
            "include_name": owned_tables_only(metadata.tables, script),
        },
    )
    differences: list[Difference] = []
    for entry in compare_metadata(context, metadata):
        # Column modifications arrive grouped in a list; everything else is a single tuple.
        for diff in entry if isinstance(entry, list) else [entry]:
            differences.append(describe(diff, connection.dialect))
    return differences


def describe(diff: tuple[Any, ...], dialect: Dialect) -> Difference:
    """Turn one of Alembic's diff tuples into a :class:`Difference`."""
    kind = diff[0]
    if kind in ("add_table", "remove_table"):
        table: Table = diff[1]
        verb = "add" if kind == "add_table" else "drop"
        return Difference(kind, table.name, f"{verb} table {table.name}")
    if kind in ("add_column", "remove_column"):
        _, _schema, table_name, column = diff
        verb = "add" if kind == "add_column" else "drop"
        return Difference(kind, table_name, f"{verb} column {table_name}.{column.name} {_column_sql(column, dialect)}")
    if kind in ("add_index", "remove_index"):
        index: Index = diff[1]
        verb = "add" if kind == "add_index" else "drop"
        columns = ", ".join(str(expr.name if hasattr(expr, "name") else expr) for expr in index.expressions)
        unique = "unique " if index.unique else ""
        table_name = index.table.name if index.table is not None else None
        return Difference(kind, table_name, f"{verb} {unique}index {index.name} on {table_name} ({columns})")
    if kind in ("add_constraint", "remove_constraint", "add_fk", "remove_fk"):
        return _describe_constraint(kind, diff[1])
    if kind in ("add_table_comment", "remove_table_comment"):
        table = diff[1]
        return Difference(kind, table.name, f"table comment of {table.name} differs")
    if kind.startswith("modify_"):
        return _describe_modification(diff, dialect)
    return Difference(kind, None, " ".join(str(part) for part in diff))


def _describe_constraint(kind: str, constraint: Constraint) -> Difference:
    verb = "add" if kind.startswith("add") else "drop"
    table_name = constraint.table.name if constraint.table is not None else None
    columns = ", ".join(column.name for column in getattr(constraint, "columns", []))
    if isinstance(constraint, CheckConstraint):
        columns = str(getattr(constraint.sqltext, "text", constraint.sqltext))
    what = "foreign key" if isinstance(constraint, ForeignKeyConstraint) else f"{type(constraint).__name__}"
    what = {"UniqueConstraint": "unique constraint", "CheckConstraint": "check constraint"}.get(what, what)
    return Difference(kind, table_name, f"{verb} {what} {constraint.name} on {table_name} ({columns})")


def _describe_modification(diff: tuple[Any, ...], dialect: Dialect) -> Difference:
    kind, _schema, table_name, column_name, _existing, in_db, in_model = diff
    where = f"{table_name}.{column_name}"
    if kind == "modify_type":
        db_type, model_type = in_db.compile(dialect=dialect), in_model.compile(dialect=dialect)
        text = f"type of {where} differs: {db_type} in DB vs {model_type} in model"
    elif kind == "modify_nullable":
        text = f"nullability of {where} differs: {_nullable(in_db)} in DB vs {_nullable(in_model)} in model"
    elif kind == "modify_default":
        text = (
            f"server default of {where} differs: {_default(in_db, dialect)} in DB "
            f"vs {_default(in_model, dialect)} in model"
        )
    elif kind == "modify_comment":
        text = f"comment on {where} differs: {_comment(in_db)} in DB vs {_comment(in_model)} in model"
    else:
        text = f"{kind.removeprefix('modify_')} of {where} differs: {in_db!r} in DB vs {in_model!r} in model"
    return Difference(kind, table_name, text)


def _column_sql(column: Column[Any], dialect: Dialect) -> str:
    text = str(column.type.compile(dialect=dialect))
    if not column.nullable:
        text += " NOT NULL"
    if column.server_default is not None:
        text += f" DEFAULT {render_default(column.server_default, dialect)}"
    return text


def _nullable(value: bool) -> str:
    return "NULL" if value else "NOT NULL"


def _default(value: Any, dialect: Dialect) -> str:
    rendered = render_default(value, dialect) if value is not None and not isinstance(value, str) else value
    return "none" if rendered is None else str(rendered)


def _comment(value: str | None) -> str:
    return "none" if value is None else f"'{value}'"
