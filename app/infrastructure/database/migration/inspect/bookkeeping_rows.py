"""Where the database stands, read through the bare driver (sqlite3, asyncpg) without SQLAlchemy: the
``alembic_version`` rows and, for ``status``, the history rows and the environment mark.

The read-only commands' fast path (with :mod:`.revision_files`): they import neither SQLAlchemy nor Alembic. The rows
are read in one read-only transaction, so they agree with each other, and come back as SQLAlchemy would return them
(``guard.history.read_records``, ``guard.fence.read_environment``); a table that does not exist reads as empty.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from app.core.config import parse_url
from app.infrastructure.database.migration.connection import open_postgres, open_sqlite, postgres_arguments
from app.infrastructure.database.migration.inspect.revisions import VERSION_TABLE, well_formed
from app.infrastructure.database.migration.results import AuditRecord

if TYPE_CHECKING:
    import asyncpg

# The names of bookkeeping.HISTORY and bookkeeping.ENVIRONMENT, whose module would import SQLAlchemy.
HISTORY_TABLE = "stockdata_migration_history"
ENVIRONMENT_TABLE = "stockdata_environment"
_HISTORY_COLUMNS = "revision, checksum, method, applied_at, recorded_at, seconds, app_version, host"
_TABLES = ", ".join(f"'{name}'" for name in (VERSION_TABLE, HISTORY_TABLE, ENVIRONMENT_TABLE))
# The tables of these names as SQLAlchemy's has_table finds them: SQLite's tables and views; on PostgreSQL the
# table-like relations (tables, partitioned and foreign tables, views, materialised views) on the search path.
_SQLITE_TABLES = f"SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name IN ({_TABLES})"
_POSTGRES_TABLES = (
    "SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    f"WHERE c.relname IN ({_TABLES}) AND c.relkind IN ('r', 'p', 'f', 'v', 'm') "
    "AND pg_catalog.pg_table_is_visible(c.oid) AND n.nspname <> 'pg_catalog'"
)


@dataclass(frozen=True)
class Bookkeeping:
    """The rows the read-only commands need."""

    current: tuple[str, ...]
    """The ``alembic_version`` rows, checked to be revision ids (CorruptVersionTableError otherwise)."""
    records: dict[str, AuditRecord]
    """The history rows by revision; empty unless asked for."""
    environment: str | None
    """What ``mark-environment`` recorded; ``None`` unless asked for."""


async def read_bookkeeping(url: str, *, with_status: bool) -> Bookkeeping | None:
    """The rows of the database at ``url`` (the history and the mark only ``with_status``); ``None`` when the URL
    has an option that only SQLAlchemy's dialect reads, for the caller to read through SQLAlchemy."""
    parsed = parse_url(url)
    if parsed.backend == "sqlite":
        if parsed.query:  # e.g. ?timeout= or ?uri=true, which the pysqlite dialect turns into arguments
            return None
        # In a thread, as aiosqlite would: a file another connection holds locked makes the read wait.
        return await asyncio.to_thread(_read_sqlite, url, with_status)
    arguments = postgres_arguments(url)
    if arguments is None:
        return None
    async with open_postgres(url, arguments) as connection:
        return await _read_postgres(connection, with_status)


def _read_sqlite(url: str, with_status: bool) -> Bookkeeping:
    with open_sqlite(url) as connection:
        connection.execute("BEGIN")
        try:
            tables = {row[0] for row in connection.execute(_SQLITE_TABLES)}
            rows = {table: connection.execute(query).fetchall() for table, query in _queries(tables, with_status)}
        finally:
            connection.execute("ROLLBACK")
    return _bookkeeping(rows)


async def _read_postgres(connection: asyncpg.Connection, with_status: bool) -> Bookkeeping:
    async with connection.transaction(isolation="repeatable_read", readonly=True):
        tables = {row[0] for row in await connection.fetch(_POSTGRES_TABLES)}
        rows = {table: await connection.fetch(query) for table, query in _queries(tables, with_status)}
    return _bookkeeping(rows)


def _queries(tables: set[str], with_status: bool) -> list[tuple[str, str]]:
    """``(table, query)`` reading each of the wanted tables that exist (``tables``)."""
    wanted = [(VERSION_TABLE, f"SELECT version_num FROM {VERSION_TABLE}")]
    if with_status:
        wanted.append((HISTORY_TABLE, f"SELECT {_HISTORY_COLUMNS} FROM {HISTORY_TABLE}"))
        wanted.append((ENVIRONMENT_TABLE, f"SELECT environment FROM {ENVIRONMENT_TABLE}"))
    return [(table, query) for table, query in wanted if table in tables]


def _bookkeeping(rows: Mapping[str, Sequence[Sequence[Any]]]) -> Bookkeeping:
    marks = rows.get(ENVIRONMENT_TABLE, ())
    return Bookkeeping(
        current=well_formed(tuple(row[0] for row in rows.get(VERSION_TABLE, ()))),
        records={row[0]: _record(row) for row in rows.get(HISTORY_TABLE, ())},
        environment=marks[0][0] if marks else None,
    )


def _record(row: Sequence[Any]) -> AuditRecord:
    revision, checksum, method, applied_at, recorded_at, seconds, app_version, host = row
    return AuditRecord(
        revision=revision,
        checksum=checksum,
        method=method,
        applied_at=_iso(applied_at),
        recorded_at=_iso(recorded_at) or "",
        seconds=seconds,
        app_version=app_version,
        host=host,
    )


def _iso(value: datetime | str | None) -> str | None:
    # SQLite keeps SQLAlchemy's DateTime as text ("2026-12-07 05:21:39.123456"), PostgreSQL as a timestamp.
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC).isoformat(timespec="seconds")
