"""The pre-flight: before an upgrade or downgrade changes anything, what it would destroy or fail on in the data.

Each revision's ``upgrade()`` (or ``downgrade()``) runs offline (:mod:`..inspect.offline`), which records the Alembic
operations it invokes with their lines, batch operations included; :mod:`.probes` turns them into what to count,
and :mod:`.counting` counts it on the live database (only on tables that have rows, one query per finding).

An operation that hits rows stops the run unless it is acknowledged: by a ``# migrate: destroys-data <reason>``
comment in the operation's statement, or, in a downgrade, by being the drop of a table or column the same
revision's ``upgrade()`` created (undoing a reviewed revision destroys what it added; the downgrade's confirmation
shows the rows). ``--yes`` acknowledges nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from alembic.operations import ops
from alembic.script import Script
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from app.infrastructure.database.migration.connection import first_line
from app.infrastructure.database.migration.errors import DataLossRefusedError
from app.infrastructure.database.migration.guard.counting import LiveData
from app.infrastructure.database.migration.guard.estimate import render, sql_text
from app.infrastructure.database.migration.guard.probes import Probe, RunNames, probes
from app.infrastructure.database.migration.inspect import revisions
from app.infrastructure.database.migration.inspect.markers import MarkedSource, read_markers
from app.infrastructure.database.migration.inspect.offline import OfflineRun, run_offline
from app.infrastructure.database.migration.results import DataLoss, DowngradePreview, Finding, Preflight

MARKER = "# migrate: destroys-data <reason>"
"""How a revision acknowledges an operation that destroys data, on the operation's line."""
MARKER_TAG = r"migrate:\s*destroys-data"
LOSSES = frozenset({"drop_table", "drop_column", "delete_rows"})
"""Finding kinds that destroy data outright, and are listed even on an empty table."""


def analyse(connection: Connection, scripts: Sequence[Script], direction: str, *, render_sql: bool = True) -> Preflight:
    """What running ``direction`` (``upgrade``/``downgrade``) of ``scripts``, in order, would destroy or fail on.

    Changes nothing and raises nothing of its own: what it cannot work out is said in the notes. Without
    ``render_sql`` the SQL is left empty (a run does not show it).
    """
    live = LiveData(connection)
    names = RunNames()
    findings: list[Finding] = []
    notes: list[str] = []
    runs: list[tuple[Script, OfflineRun]] = []
    for script in scripts:
        run = run_offline(script.module, direction, plain_forms=True, sql=render_sql)
        runs.append((script, run))
        if run.failure is not None:
            notes.append(
                f"revision {script.revision}'s {direction}() cannot run offline ({run.failure.sql.splitlines()[0]}, "
                f"line {run.failure.line}); what it does from that line on was not checked"
            )
        names.revision = script.revision
        marked = read_markers(Path(script.path).read_text(encoding="utf-8"), MARKER_TAG)
        created = _created_by_upgrade(script) if direction == "downgrade" else set()
        for recorded in run.operations:
            for probe in probes(recorded.operation, recorded.line, names, live.column_type):
                found = _measure(live, names, probe, script, notes)
                if found is not None:
                    findings.append(_acknowledged(found, probe, marked, created))
    sql = _sql(connection, scripts, runs, direction, notes) if render_sql else ""
    infos = tuple(revisions.info(script) for script in scripts)
    return Preflight(direction, infos, tuple(_uncovered(findings)), sql, tuple(notes))


def enforce(connection: Connection, scripts: Sequence[Script], direction: str) -> Preflight:
    """:func:`analyse`, raising DataLossRefusedError when a finding hits rows and nothing acknowledges it.

    The guard every run passes (:func:`..run.guards.data_loss`) does not call it on a database that holds no table.
    """
    found = analyse(connection, scripts, direction, render_sql=False)
    if found.refused:
        listing = "; ".join(finding.summary for finding in found.refused)
        raise DataLossRefusedError(
            f"{direction} refused before changing anything: {listing}. Write a rename as op.rename_table() or "
            "op.alter_column(..., new_column_name=...), backfill or clean the data first, or, if the loss is "
            f"intended, acknowledge the operation with `{MARKER}` on its line"
        )
    return found


def preview(connection: Connection, plan: Sequence[Script]) -> DowngradePreview:
    """What ``plan`` undoes and destroys (with live row counts) and its SQL: the downgrade's pre-flight."""
    found = analyse(connection, plan, "downgrade")
    losses = tuple(
        DataLoss(finding.kind, finding.table, finding.columns[0] if finding.columns else None, finding.rows)
        for finding in found.findings
        if finding.kind in LOSSES
    )
    return DowngradePreview(found.revisions, losses, found.sql, found.notes, found.findings)


def _measure(live: LiveData, names: RunNames, probe: Probe, script: Script, notes: list[str]) -> Finding | None:
    """The finding for ``probe``, with its count; ``None`` when there is nothing to report (or it is a note)."""
    schema, table = probe.table
    label = f"{schema}.{table}" if schema else table
    base = Finding(
        script.revision, script.path, probe.line, probe.kind, label, probe.columns, probe.action, None, probe.unit,
        destroys=probe.destroys,
    )  # fmt: skip
    where = f"revision {script.revision} line {probe.line}"
    if not live.exists(probe.table):
        return base if probe.kind in LOSSES else None
    changed = names.changed_at(probe.table)
    if changed is not None:
        notes.append(f"{where} {probe.action}: not checked, because {changed} changes the table's rows first")
        return None
    if not live.has_rows(probe.table):
        return replace(base, rows=0) if probe.kind in LOSSES else None
    try:
        rows, samples = live.count(probe)
    except SQLAlchemyError as exc:
        notes.append(f"{where} {probe.action}: could not be checked ({first_line(exc)})")
        return None
    if not rows and probe.kind not in LOSSES:
        return None
    return replace(base, rows=rows, samples=samples)


def _acknowledged(found: Finding, probe: Probe, marked: MarkedSource, created: set[tuple[str, str | None]]) -> Finding:
    reasons = [marker.reason for marker in marked.covering(probe.line) if marker.reason]
    if reasons:
        return replace(found, acknowledged=reasons[0])
    column = probe.columns[0] if probe.kind == "drop_column" and probe.columns else None
    if probe.kind in {"drop_table", "drop_column"} and (probe.table[1], column) in created:
        return replace(found, acknowledged=f"the downgrade undoes what revision {found.revision}'s upgrade created")
    return found


def _created_by_upgrade(script: Script) -> set[tuple[str, str | None]]:
    """The tables ``(name, None)`` and columns ``(table, column)`` that ``script``'s upgrade creates."""
    created: set[tuple[str, str | None]] = set()
    for recorded in run_offline(script.module, "upgrade", plain_forms=True, sql=False).operations:
        if isinstance(recorded.operation, ops.CreateTableOp):
            created.add((recorded.operation.table_name, None))
        elif isinstance(recorded.operation, ops.AddColumnOp):
            created.add((recorded.operation.table_name, recorded.operation.column.name))
    return created


def _uncovered(findings: list[Finding]) -> list[Finding]:
    """``findings`` without the columns dropped and rows deleted in a table the run drops: its entry covers them."""
    dropped = {finding.table for finding in findings if finding.kind == "drop_table"}
    return [
        finding for finding in findings if finding.kind == "drop_table" or finding.kind not in LOSSES
        or finding.table not in dropped
    ]  # fmt: skip


def _sql(
    connection: Connection, scripts: Sequence[Script], runs: list[tuple[Script, OfflineRun]], direction: str,
    notes: list[str],
) -> str:  # fmt: skip
    """The SQL of the run in the database's dialect, or PostgreSQL's (with a note) when it cannot be rendered."""
    portable = sql_text(runs, direction)
    if connection.dialect.name == "postgresql":
        return portable
    native, failed = render(scripts, connection.dialect.name, direction)
    if not failed:
        return native
    notes.append(
        "SQLite cannot render these revisions without a database (batch operations reflect the live table), so the "
        "SQL shown is PostgreSQL's for the same operations"
    )
    return portable
