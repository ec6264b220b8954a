"""The SQL side of the pre-flight: a plan's SQL rendered offline, and what SQL text drops, truncates or deletes.

:mod:`.preflight` reads the Alembic operations themselves; SQL text is what it cannot read that way, the
``op.execute`` statements, so their drops and deletions are found here (:func:`find_losses`). The SQL a dry run
shows comes from :func:`render`: for PostgreSQL whatever the database, when SQLite's batch operations (which copy
whole tables, reflecting the live one) cannot be rendered offline.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from alembic.script import Script

from app.infrastructure.database.migration.inspect.offline import OfflineRun, run_offline
from app.infrastructure.database.migration.results import DataLoss

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


def render(plan: Sequence[Script], dialect: str, function: str = "downgrade") -> tuple[str, list[tuple[str, str]]]:
    """The SQL of each revision's ``downgrade()`` (or ``function``) for ``dialect``, and the revisions that failed
    with why."""
    runs = [(script, run_offline(script.module, function, dialect=dialect)) for script in plan]
    failed = [(script.revision, run.failure.sql.splitlines()[0]) for script, run in runs if run.failure is not None]
    return sql_text(runs, function), failed


def sql_text(runs: Sequence[tuple[Script, OfflineRun]], function: str) -> str:
    """The statements of offline runs of ``function`` as one SQL text, each revision under a comment line."""
    parts: list[str] = []
    for script, run in runs:
        parts.append(f"-- {function} {script.revision}: {script.doc}")
        parts += [statement.sql for statement in run.statements]
    return "\n\n".join(parts) + "\n"


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
