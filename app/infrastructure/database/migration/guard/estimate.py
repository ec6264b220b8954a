"""What a downgrade destroys, worked out before it runs: its SQL rendered offline, the drops read from it, and
the rows those drops hold counted on the live database.

The drops are read from the PostgreSQL rendering (:func:`offline.run_offline`, as lint uses) whatever the
database: there a batch ``drop_column`` is a plain ``ALTER TABLE … DROP COLUMN`` (SQLite's rendering copies whole
tables, and cannot be made offline at all), and ``op.execute`` text that drops, truncates or deletes is caught as
well. A revision whose ``downgrade()`` cannot run offline (it reads data through ``op.get_bind()``, say) is named
in the notes instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from alembic.script import Script
from sqlalchemy import column, func, inspect, select, table
from sqlalchemy.engine import Connection, Inspector

from app.infrastructure.database.migration.inspect import revisions
from app.infrastructure.database.migration.inspect.offline import run_offline
from app.infrastructure.database.migration.results import DataLoss, DowngradePreview

_NAME = r'(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)'
_QUALIFIED = rf"{_NAME}(?:\.{_NAME})?"
_LIST = rf"{_QUALIFIED}(?:\s*,\s*{_QUALIFIED})*"
_DROP_TABLE = re.compile(rf"^\s*DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?P<tables>{_LIST})", re.I | re.M)
_TRUNCATE = re.compile(rf"^\s*TRUNCATE\s+(?:TABLE\s+)?(?:ONLY\s+)?(?P<tables>{_LIST})", re.I | re.M)
_DELETE = re.compile(rf"^\s*DELETE\s+FROM\s+(?:ONLY\s+)?(?P<tables>{_QUALIFIED})", re.I | re.M)
_ALTER = re.compile(
    rf"^\s*ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(?P<table>{_QUALIFIED})(?P<rest>[^;]*)", re.I | re.M
)
_DROP_COLUMN = re.compile(rf"\bDROP\s+COLUMN\s+(?:IF\s+EXISTS\s+)?(?P<column>{_NAME})", re.I)


def preview(connection: Connection, plan: Sequence[Script]) -> DowngradePreview:
    """The revisions ``plan`` undoes, the data it destroys with live row counts, and its SQL."""
    portable, failed = render(plan, "postgresql")
    notes = [
        f"revision {revision}'s downgrade could not be rendered offline ({reason}); what it destroys is not estimated"
        for revision, reason in failed
    ]
    sql = portable
    if connection.dialect.name != "postgresql":
        native, native_failed = render(plan, connection.dialect.name)
        if native_failed:
            notes.append(
                "SQLite cannot render these downgrades without a database (batch operations reflect the live "
                "table), so the SQL shown is PostgreSQL's for the same operations"
            )
        else:
            sql = native
    inspector = inspect(connection)
    losses = tuple(_count(connection, inspector, loss) for loss in find_losses(portable))
    return DowngradePreview(tuple(revisions.info(script) for script in plan), losses, sql, tuple(notes))


def render(plan: Sequence[Script], dialect: str) -> tuple[str, list[tuple[str, str]]]:
    """The SQL of each revision's ``downgrade()`` for ``dialect``, and the revisions that failed with why."""
    parts: list[str] = []
    failed: list[tuple[str, str]] = []
    for script in plan:
        run = run_offline(script.module, "downgrade", dialect=dialect)
        parts.append(f"-- downgrade {script.revision}: {script.doc}")
        parts += [statement.sql for statement in run.statements]
        if run.failure is not None:
            failed.append((script.revision, run.failure.sql.splitlines()[0]))
    return "\n\n".join(parts) + "\n", failed


def find_losses(sql: str) -> list[DataLoss]:
    """The tables dropped, columns dropped and rows deleted by ``sql`` (PostgreSQL), without row counts.

    Columns and deletions in a table the same SQL drops are left out: the table's entry covers them.
    """
    found = [
        (kind, name, column_name)
        for _position, kind, name, column_name in sorted(_statements(sql), key=lambda found: found[0])
    ]
    dropped = {name for kind, name, _ in found if kind == "drop_table"}
    losses: list[DataLoss] = []
    for kind, name, column_name in found:
        loss = DataLoss(kind, name, column_name, None)
        if (kind == "drop_table" or name not in dropped) and loss not in losses:
            losses.append(loss)
    return losses


def _statements(sql: str) -> Iterator[tuple[int, str, str, str | None]]:
    for pattern, kind in ((_DROP_TABLE, "drop_table"), (_TRUNCATE, "delete_rows"), (_DELETE, "delete_rows")):
        for match in pattern.finditer(sql):
            for name in re.findall(_QUALIFIED, match["tables"]):
                yield match.start(), kind, _unquote(name), None
    for match in _ALTER.finditer(sql):
        for dropped in _DROP_COLUMN.finditer(match["rest"]):
            yield match.start() + dropped.start(), "drop_column", _unquote(match["table"]), _unquote(dropped["column"])


def _unquote(name: str) -> str:
    parts = re.findall(_NAME, name)
    return ".".join(part[1:-1].replace('""', '"') if part.startswith('"') else part.lower() for part in parts)


def _count(connection: Connection, inspector: Inspector, loss: DataLoss) -> DataLoss:
    schema, _, name = loss.table.rpartition(".")
    if not inspector.has_table(name, schema=schema or None):
        return loss
    if loss.column is None:
        query = select(func.count()).select_from(table(name, schema=schema or None))
    else:
        if loss.column not in {found["name"] for found in inspector.get_columns(name, schema=schema or None)}:
            return loss
        query = select(func.count(column(loss.column))).select_from(table(name, schema=schema or None))
    return DataLoss(loss.kind, loss.table, loss.column, connection.scalar(query))
