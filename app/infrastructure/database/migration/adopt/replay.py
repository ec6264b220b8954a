"""Replaying DDL in the session's temporary schema, to learn the shapes it creates without changing the database.

The legacy SQL files and the initial revision are the definitions of what a legacy database and an adopted one
look like, so rather than keep a second description of them here, adoption replays them and reflects the result.
Every replay runs inside a savepoint that is rolled back, in the temporary schema (PostgreSQL's ``pg_temp``,
SQLite's ``temp``), which needs no privilege beyond creating temporary tables and leaves the database untouched.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import Script
from sqlalchemy import Table, event, inspect
from sqlalchemy.engine import Connection

from app import PROJECT_ROOT
from app.infrastructure.database.migration.adopt.table_shapes import TableShape, reflect_table
from app.infrastructure.database.migration.errors import MigrationError, MigrationSetupError

LEGACY_ARCHIVE = PROJECT_ROOT / "sql" / "migrations_archive"

# A string literal, a line comment, a semicolon, or a run of anything else: enough for the archived scripts.
_TOKEN = re.compile(r"'(?:[^']|'')*'|--[^\n]*|;|[^';-]+|-")


@dataclass(frozen=True)
class LegacyLevel:
    """What the archived scripts up to one of them built."""

    name: str
    """The last script's number, e.g. ``"002"``."""
    scripts: tuple[str, ...]
    """File names, in the order they ran."""
    shapes: dict[str, TableShape] = field(hash=False)


@dataclass(frozen=True)
class RevisionReplay:
    """What one revision creates: the shape of each table and the statements it runs for it, in order."""

    revision: str
    shapes: dict[str, TableShape] = field(hash=False)
    statements: dict[str, tuple[str, ...]] = field(hash=False)


def legacy_scripts(archive: Path = LEGACY_ARCHIVE) -> list[Path]:
    """The archived forward scripts (``NNN_*.sql`` except rollbacks) in the order they were run."""
    return sorted(path for path in archive.glob("[0-9][0-9][0-9]_*.sql") if "rollback" not in path.stem)


def split_statements(script: str) -> list[str]:
    """Split a SQL script at semicolons outside string literals, dropping ``--`` comments."""
    tokens = _TOKEN.findall(script)
    if "".join(tokens) != script or "$$" in script or "/*" in script:
        raise MigrationSetupError("a legacy SQL script uses quoting or comments the replay cannot split")
    statements: list[str] = []
    current: list[str] = []
    for token in tokens:
        if token == ";":
            statements.append("".join(current).strip())
            current = []
        elif not token.startswith("--"):
            current.append(token)
    statements.append("".join(current).strip())
    return [statement for statement in statements if statement]


def replay_legacy(connection: Connection, archive: Path = LEGACY_ARCHIVE) -> list[LegacyLevel]:
    """Run the archived scripts one after another in ``pg_temp`` and reflect what each level left (PostgreSQL)."""
    scripts = legacy_scripts(archive)
    if not scripts:
        raise MigrationSetupError(f"no legacy SQL scripts found in {archive}; restore sql/migrations_archive/")
    levels: list[LegacyLevel] = []
    with _rolled_back(connection):
        connection.exec_driver_sql("SELECT set_config('search_path', 'pg_temp', true)")
        for number, path in enumerate(scripts, start=1):
            for statement in split_statements(path.read_text(encoding="utf-8")):
                connection.exec_driver_sql(statement)
            schema = _catalog_temp_schema(connection)
            tables = sorted(inspect(connection).get_temp_table_names())
            shapes = {table: reflect_table(connection, table, schema=schema) for table in tables}
            levels.append(LegacyLevel(path.name[:3], tuple(p.name for p in scripts[:number]), shapes))
    return levels


def replay_revision(connection: Connection, revision: Script) -> RevisionReplay:
    """Run ``revision``'s upgrade() in the temporary schema, recording each table's statements and shape."""
    statements: dict[str, list[str]] = {}

    def record(_conn: Connection, construct: Any, *_args: Any) -> None:
        table = _table_of(construct)
        if table is None:
            raise MigrationError(
                f"revision {revision.revision} runs a statement adoption cannot attribute to a table ({construct!r})"
            )
        sql = str(construct.compile(dialect=connection.dialect)).replace("\t", "    ").strip()
        statements.setdefault(table, []).append("\n".join(line.rstrip() for line in sql.splitlines()))

    with _rolled_back(connection):
        previous = connection.get_execution_options().get("schema_translate_map")
        connection.execution_options(schema_translate_map={None: _temp_schema(connection)})
        event.listen(connection, "before_execute", record)
        try:
            with Operations.context(MigrationContext.configure(connection)):
                revision.module.upgrade()
        finally:
            event.remove(connection, "before_execute", record)
            connection.execution_options(schema_translate_map=previous)
        schema = _catalog_temp_schema(connection)
        shapes = {table: reflect_table(connection, table, schema=schema) for table in statements}
    frozen = {table: tuple(sql) for table, sql in statements.items()}
    return RevisionReplay(revision.revision, shapes, frozen)


@contextmanager
def _rolled_back(connection: Connection) -> Iterator[None]:
    """A savepoint that is always rolled back: whatever runs inside leaves no trace."""
    savepoint = connection.begin_nested()
    try:
        yield
    finally:
        savepoint.rollback()


def _temp_schema(connection: Connection) -> str:
    return "pg_temp" if connection.dialect.name == "postgresql" else "temp"


def _catalog_temp_schema(connection: Connection) -> str:
    if connection.dialect.name != "postgresql":
        return "temp"
    # pg_temp is an alias; the catalog (and so reflection) knows the session's schema as pg_temp_<n>.
    name = connection.exec_driver_sql("SELECT nspname FROM pg_namespace WHERE oid = pg_my_temp_schema()").scalar()
    return str(name)


def _table_of(construct: Any) -> str | None:
    element = getattr(construct, "element", None)
    if isinstance(element, Table):
        return element.name
    table = getattr(element, "table", None)
    if isinstance(table, Table):
        return table.name
    name = getattr(construct, "table_name", None)
    return str(name) if name else None
