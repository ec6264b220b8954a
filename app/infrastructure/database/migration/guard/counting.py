"""Counting, on the live database, the rows a :class:`~.probes.Probe` hits, with a few of their keys.

Cheap by construction: a table is first asked whether it has a row at all (``LIMIT 1``, once per table), and only a
table that has one gets the probe's query, a single one that returns the count (a window ``count(*) OVER ()``)
together with the first three keys. Each query runs in a savepoint, so one that fails (a CHECK condition naming a
column the run has not added yet) is reported, and the run's connection stays usable.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, column, func, inspect, literal, select, table
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import TableClause
from sqlalchemy.types import TypeEngine

from app.infrastructure.database.migration.bookkeeping import TABLE_NAMES

if TYPE_CHECKING:
    from app.infrastructure.database.migration.guard.probes import Probe, TableKey

SAMPLES = 3
"""Keys shown per finding."""
_SQLITE_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, 7) <> 'sqlite_'"
_POSTGRESQL_TABLES = (
    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN "
    "('r', 'p', 'f', 'm') AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg~_%' ESCAPE '~'"
)


class LiveData:
    """The tables of the database a run is about to change, read lazily and each fact once."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._inspector = inspect(connection)
        self._columns: dict[TableKey, dict[str, TypeEngine[Any]] | None] = {}
        self._has_rows: dict[TableKey, bool] = {}

    def column_type(self, key: TableKey, name: str) -> TypeEngine[Any] | None:
        """The type of column ``name`` of table ``key`` now; ``None`` when there is no such table or column."""
        columns = self._columns_of(key)
        return None if columns is None else columns.get(name)

    def exists(self, key: TableKey) -> bool:
        """Whether table ``key`` is in the database now."""
        return self._columns_of(key) is not None

    def holds_no_table(self) -> bool:
        """Whether the database has no table at all but the migration system's own (in any schema, or attached
        SQLite file): then no operation can hit a row. ``alembic_version`` under another name counts as a table."""
        if self.connection.dialect.name == "sqlite":
            attached = self.connection.exec_driver_sql("PRAGMA database_list").all()
            if {row[1] for row in attached} - {"main", "temp"}:
                return False
            found = self.connection.exec_driver_sql(_SQLITE_TABLES).scalars()
        else:
            found = self.connection.exec_driver_sql(_POSTGRESQL_TABLES).scalars()
        return set(found) <= {"alembic_version", *TABLE_NAMES}

    def has_rows(self, key: TableKey) -> bool:
        """Whether table ``key`` holds at least one row (one ``LIMIT 1`` query per table)."""
        if key not in self._has_rows:
            query = select(literal(1)).select_from(table(key[1], schema=key[0])).limit(1)
            self._has_rows[key] = self.connection.scalar(query) is not None
        return self._has_rows[key]

    def count(self, probe: Probe) -> tuple[int, tuple[str, ...]]:
        """How many rows (or duplicate groups) ``probe`` hits, and a few keys; raises DBAPIError if the query fails."""
        keys = self._key(probe)
        source = table(probe.table[1], *(column(name) for name in {*probe.columns, *keys}), schema=probe.table[0])
        with self.connection.begin_nested():
            if probe.condition is None:
                return self._duplicates(source, probe.columns)
            return self._violations(source, keys, probe)

    def _columns_of(self, key: TableKey) -> dict[str, TypeEngine[Any]] | None:
        if key not in self._columns:
            if not self._inspector.has_table(key[1], schema=key[0]):
                self._columns[key] = None
            else:
                found = self._inspector.get_columns(key[1], schema=key[0])
                self._columns[key] = {entry["name"]: entry["type"] for entry in found}
        return self._columns[key]

    def _key(self, probe: Probe) -> list[str]:
        primary = self._inspector.get_pk_constraint(probe.table[1], schema=probe.table[0])["constrained_columns"]
        return list(primary) or list(probe.columns)

    def _violations(self, source: TableClause, keys: Sequence[str], probe: Probe) -> tuple[int, tuple[str, ...]]:
        assert probe.condition is not None
        where = probe.condition(source)
        if not keys:
            return int(self.connection.scalar(select(func.count()).select_from(source).where(where)) or 0), ()
        total = func.count().over().label("stockdata_total")
        query = select(*(source.c[name] for name in keys), total).where(where).limit(SAMPLES)
        found = self.connection.execute(query).all()
        if not found:
            return 0, ()
        return int(found[0][-1]), tuple(_sample(keys, row[:-1]) for row in found)

    def _duplicates(self, source: TableClause, columns: Sequence[str]) -> tuple[int, tuple[str, ...]]:
        chosen = [source.c[name] for name in columns]
        query = (
            select(*chosen, func.count().label("stockdata_rows"), func.count().over().label("stockdata_total"))
            .where(and_(*(chosen_column.is_not(None) for chosen_column in chosen)))
            .group_by(*chosen)
            .having(func.count() > 1)
            .limit(SAMPLES)
        )
        found = self.connection.execute(query).all()
        if not found:
            return 0, ()
        return int(found[0][-1]), tuple(f"{_sample(columns, row[:-2])} ({row[-2]} rows)" for row in found)


def _sample(names: Sequence[str], values: Sequence[Any]) -> str:
    shown = ", ".join(f"{name}={value!r}" for name, value in zip(names, values, strict=True))
    return shown if len(names) == 1 else f"({shown})"
