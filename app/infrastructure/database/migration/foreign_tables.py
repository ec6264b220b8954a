"""Foreign tables: tables in the database that the application does not model, which migrations leave alone.

They may be left over from older tools or belong to another program sharing the database. Autogenerate and
``check`` skip them (instead of proposing to drop them), and adoption lists them without touching them.
"""

from __future__ import annotations

from collections.abc import Collection

from alembic.runtime.environment import IncludeNameFn, NameFilterParentNames, NameFilterType
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from app.infrastructure.database.migration.bookkeeping import TABLE_NAMES

VERSION_TABLE = "alembic_version"


def modelled_tables_only(modelled: Collection[str]) -> IncludeNameFn:
    """An Alembic ``include_name`` hook that compares only the tables in ``modelled``."""

    def include_name(name: str | None, type_: NameFilterType, _parent_names: NameFilterParentNames) -> bool:
        return type_ != "table" or name in modelled

    return include_name


def foreign_tables(connection: Connection, modelled: Collection[str]) -> tuple[str, ...]:
    """The tables of the default schema not in ``modelled``, sorted; Alembic's and stockdata's own are not foreign."""
    names = inspect(connection).get_table_names()
    return tuple(
        sorted(name for name in names if name not in modelled and name != VERSION_TABLE and name not in TABLE_NAMES)
    )
