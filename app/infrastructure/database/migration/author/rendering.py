"""How autogenerate writes what Alembic renders badly: types of other dialects, and PostgreSQL ENUM types' lifecycle.

Alembic renders a type with the renderer of the dialect it is generating on, so on SQLite a PostgreSQL variant
``postgresql.JSONB()`` comes out as ``postgresql.JSONB(astext_type=Text())`` with ``Text`` undefined, and a type of
the application's own is prefixed with its module but never imported. :func:`render_item` renders each type with
its own dialect's renderer and records every import the revision needs.

The ENUM operations are written as plain code that runs on both backends: ``sa.Enum(...).create(op.get_bind())``
creates the PostgreSQL type and does nothing on SQLite (no native enums), offline it emits the SQL.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.ddl.impl import DefaultImpl
from alembic.operations.ops import MigrateOperation
from alembic.runtime.migration import MigrationContext
from sqlalchemy.types import TypeEngine

from app.infrastructure.database.migration.inspect.enums import EnumValuesOp

_DIALECT_MODULE = re.compile(r"sqlalchemy\.dialects\.(\w+)")


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | bool:
    """Alembic's ``render_item``: a type of another dialect or of the application as code that imports and runs.

    Anything else is left to Alembic (``False``).
    """
    if type_ != "type" or not isinstance(obj, TypeEngine):
        return False
    module = type(obj).__module__
    found = _DIALECT_MODULE.match(module)
    if found is not None:
        name = found.group(1)
        current = autogen_context.dialect.name if autogen_context.dialect is not None else None
        if name == current or name not in _ALEMBIC_DIALECTS:
            return False  # Alembic renders its own dialect's types right
        rendered = _dialect_impl(name).render_type(obj, autogen_context)
        if rendered is False:
            return False
        autogen_context.imports.add(f"from sqlalchemy.dialects import {name}")
        return rendered
    if not module.startswith("sqlalchemy"):
        autogen_context.imports.add(f"import {module}")
        return f"{module}.{obj!r}"
    return False


_ALEMBIC_DIALECTS = frozenset({"postgresql", "mysql", "mssql", "oracle", "sqlite"})


@lru_cache
def _dialect_impl(name: str) -> DefaultImpl:
    return MigrationContext.configure(dialect_name=name, opts={"as_sql": True}).impl


class CreateEnumTypeOp(MigrateOperation):
    """Create a PostgreSQL ENUM type before the first column using it is added (nothing on SQLite)."""

    def __init__(self, name: str, values: tuple[str, ...]) -> None:
        self.name = name
        self.values = values


class DropEnumTypeOp(MigrateOperation):
    """Drop a PostgreSQL ENUM type once the last column using it is gone (nothing on SQLite)."""

    def __init__(self, name: str, values: tuple[str, ...]) -> None:
        self.name = name
        self.values = values


def _enum(name: str, values: tuple[str, ...]) -> str:
    return f"sa.Enum({', '.join(repr(value) for value in values)}, name={name!r})"


@renderers.dispatch_for(CreateEnumTypeOp)
def _render_create(_context: AutogenContext, operation: CreateEnumTypeOp) -> str:
    return f"{_enum(operation.name, operation.values)}.create(op.get_bind(), checkfirst=True)"


@renderers.dispatch_for(DropEnumTypeOp)
def _render_drop(_context: AutogenContext, operation: DropEnumTypeOp) -> str:
    return f"{_enum(operation.name, operation.values)}.drop(op.get_bind(), checkfirst=True)"


@renderers.dispatch_for(EnumValuesOp)
def _render_enum_values(_context: AutogenContext, operation: EnumValuesOp) -> str:
    lines = ['if op.get_bind().dialect.name == "postgresql":']
    if set(operation.before) <= set(operation.after):
        # Usable once this revision's transaction commits (PostgreSQL >= 12 allows ADD VALUE inside one): a data
        # change using a new value belongs in a later revision, which runs in a transaction of its own.
        added = [value for value in operation.after if value not in operation.before]
        lines += [
            f"    op.execute(\"ALTER TYPE {operation.name} ADD VALUE IF NOT EXISTS '{value}'\")" for value in added
        ]
        return "\n".join(lines)
    # PostgreSQL has no DROP VALUE: the type is rebuilt under its name and every column cast to it (a row holding
    # a removed value fails the cast, and with it the whole revision).
    name, old = operation.name, f"{operation.name}_old"
    lines += [
        f'    op.execute("ALTER TYPE {name} RENAME TO {old}")',
        f"    {_enum(name, operation.after)}.create(op.get_bind())",
    ]
    lines += [
        f'    op.execute("ALTER TABLE {table} ALTER COLUMN {column} TYPE {name} USING {column}::text::{name}")'
        for table, column in operation.columns
    ]
    lines.append(f'    op.execute("DROP TYPE {old}")')
    return "\n".join(lines)
