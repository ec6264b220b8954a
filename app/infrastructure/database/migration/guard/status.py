"""Where the database stands: every revision with whether it is applied and its audit row, and what ``check`` reads."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from app.infrastructure.database.migration.guard import fence, history
from app.infrastructure.database.migration.inspect import revisions
from app.infrastructure.database.migration.results import CheckResult, Status

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory


def read_status(connection: Connection, script: ScriptDirectory) -> Status:
    """Every revision, applied or pending, with its audit row; the current revision, the heads, the environment."""
    current = revisions.current_heads(connection)
    records = history.read_records(connection)
    environment = fence.read_environment(connection)
    revisions.ensure_known(script, current)
    applied = revisions.applied_set(script, current)
    infos = tuple(replace(info, audit=records.get(info.revision)) for info in revisions.all_revisions(script, applied))
    return Status(current, tuple(script.get_heads()), infos, environment.environment)


def check(connection: Connection, metadata: MetaData, script: ScriptDirectory) -> CheckResult:
    """The status, the drift from ``metadata`` (only when nothing is pending) and the tables left uncompared."""
    # Imported here: they bring Alembic's autogenerate, which status does not need.
    from app.infrastructure.database.migration.inspect.drift import detect_drift
    from app.infrastructure.database.migration.inspect.foreign_tables import foreign_tables

    status = read_status(connection, script)
    differences = [] if status.pending else detect_drift(connection, metadata, script)
    return CheckResult(status, tuple(differences), foreign_tables(connection, metadata.tables, script))
