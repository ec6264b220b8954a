"""Foreign tables: tables in the database that neither the models nor any revision define.

They may be left over from older tools or belong to another program sharing the database. Autogenerate and
``check`` skip them (instead of proposing to drop them), and adoption lists them without touching them. A table
that some revision created stays the migrations' own even after its model is deleted, so autogenerate still
proposes dropping it (and a renamed model still reads as a drop plus a create, which the rename hints catch).
"""

from __future__ import annotations

from collections.abc import Collection

from alembic.operations.ops import CreateTableOp, RenameTableOp
from alembic.runtime.environment import IncludeNameFn, NameFilterParentNames, NameFilterType
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from app.infrastructure.database.migration.bookkeeping import TABLE_NAMES
from app.infrastructure.database.migration.inspect.offline import run_offline
from app.infrastructure.database.migration.inspect.revisions import VERSION_TABLE


def migration_tables(script: ScriptDirectory) -> frozenset[str]:
    """The tables some revision creates (or renames a table to), found by running every upgrade offline."""
    names: set[str] = set()
    for revision in script.walk_revisions():
        for recorded in run_offline(revision.module, "upgrade").operations:
            operation = recorded.operation
            if isinstance(operation, CreateTableOp):
                names.add(operation.table_name)
            elif isinstance(operation, RenameTableOp):
                names.add(operation.new_table_name)
    return frozenset(names)


def owned_tables_only(modelled: Collection[str], script: ScriptDirectory) -> IncludeNameFn:
    """An Alembic ``include_name`` hook that compares the modelled tables and those the revisions created."""
    owned: frozenset[str] | None = None

    def include_name(name: str | None, type_: NameFilterType, _parent_names: NameFilterParentNames) -> bool:
        nonlocal owned
        if type_ != "table" or name in modelled:
            return True
        if owned is None:  # only autogenerate asks, so plain upgrades never pay for the offline runs
            owned = migration_tables(script)
        return name in owned

    return include_name


def foreign_tables(
    connection: Connection, modelled: Collection[str], script: ScriptDirectory | None
) -> tuple[str, ...]:
    """The tables of the default schema that neither ``modelled`` nor a revision of ``script`` define, sorted.

    Without ``script`` (adoption: the database has no revision yet) only ``modelled`` counts. Alembic's and
    stockdata's own bookkeeping tables are never foreign.
    """
    names = inspect(connection).get_table_names()
    candidates = [name for name in names if name not in modelled and name != VERSION_TABLE and name not in TABLE_NAMES]
    owned = migration_tables(script) if candidates and script is not None else frozenset()
    return tuple(sorted(name for name in candidates if name not in owned))
