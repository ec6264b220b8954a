"""The migration history beside ``alembic_version``: per applied revision, its script's checksum and an audit row.

Rows are written by :class:`HistoryRecorder`, an Alembic ``on_version_apply`` callback, so each one commits or
rolls back with its revision. An upgrade adds the revision's row, a downgrade removes it, a stamp adds or removes
rows so that they match the revisions now applied. Offline (``--sql``) runs record nothing.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import Insert, inspect, select
from sqlalchemy.engine import Connection

from app import __version__
from app.infrastructure.database.direct import execute_direct
from app.infrastructure.database.migration.bookkeeping import HISTORY
from app.infrastructure.database.migration.errors import (
    AmbiguousRevisionError,
    MigrationError,
    ModifiedMigrationsError,
    UnknownRevisionError,
)
from app.infrastructure.database.migration.guard.checksums import file_checksum
from app.infrastructure.database.migration.inspect import revisions
from app.infrastructure.database.migration.results import AuditRecord, ChecksumMismatch, Verification

if TYPE_CHECKING:
    from alembic.runtime.migration import MigrationContext, MigrationInfo
    from alembic.script import Script, ScriptDirectory


class HistoryRecorder:
    """Alembic ``on_version_apply`` callback that keeps the history rows in step with ``alembic_version``."""

    def __init__(self) -> None:
        self._last = time.perf_counter()
        self._table_exists = False

    def __call__(self, *, ctx: MigrationContext, step: MigrationInfo, heads: set[str], **_: Any) -> None:
        # Alembic has no "step starts" hook: a step's time runs from the previous step's end (or configure()).
        now = time.perf_counter()
        seconds, self._last = now - self._last, now
        connection, script = ctx.connection, ctx.script
        if ctx.as_sql or connection is None or script is None:
            return
        if not self._table_exists:
            # Once per run: a revision whose transaction created the table and then failed ends the run, and a
            # retried run (lock timeout) configures a new recorder.
            HISTORY.create(connection, checkfirst=True)
            self._table_exists = True
        if step.is_stamp:
            _match_stamp(connection, script, step, heads)
        elif step.is_upgrade:
            for revision in step.up_revision_ids:
                _write(connection, script.get_revision(revision), "upgrade", seconds)
        else:
            connection.execute(HISTORY.delete().where(HISTORY.c.revision.in_(step.up_revision_ids)))


def _match_stamp(connection: Connection, script: ScriptDirectory, step: MigrationInfo, heads: set[str]) -> None:
    applied = revisions.applied_set(script, tuple(heads))
    connection.execute(HISTORY.delete().where(HISTORY.c.revision.not_in(applied)))
    if step.is_upgrade:
        known = set(connection.scalars(select(HISTORY.c.revision)))
        stamped = revisions.applied_set(script, step.destination_revision_ids) - revisions.applied_set(
            script, step.source_revision_ids
        )
        for revision in stamped - known:
            _write(connection, script.get_revision(revision), "stamp", None)


def record(connection: Connection, script: Script, method: str) -> None:
    """Record ``script`` as applied by ``method`` (e.g. ``"adopt"``) outside an Alembic run, creating the table."""
    HISTORY.create(connection, checkfirst=True)
    _write(connection, script, method, None)


def _write(connection: Connection, script: Script, method: str, seconds: float | None) -> None:
    now = _utcnow()
    row = {
        "revision": script.revision,
        "checksum": file_checksum(script.path),
        "method": method,
        "applied_at": None if method == "backfill" else now,
        "recorded_at": now,
        "seconds": seconds,
        "app_version": __version__,
        "host": socket.gethostname(),
    }
    if connection.dialect.name == "sqlite":
        # Every revision writes one: straight to the driver (one trip to aiosqlite's thread), with SQLAlchemy's SQL
        # and values.
        sql, parameters = _sqlite_upsert()
        execute_direct(connection, sql, [_bound(row[name], process) for name, process in parameters])
    elif (literal := _postgresql_literal(row)) is not None and _asyncpg_transaction(connection):
        execute_direct(connection, literal)  # one round trip: no statement to prepare
    else:
        connection.execute(_upsert(connection.dialect.name), row)


@cache
def _upsert(dialect_name: str) -> Insert:
    """One statement that adds a revision's row, replacing one left behind (e.g. by a hand-edited
    ``alembic_version``) rather than failing on it. Built once: SQLAlchemy then reuses its compiled form."""
    # The dialect in use is imported already; status, which reads this table, does not need either.
    from sqlalchemy.dialects import postgresql, sqlite

    if dialect_name == "sqlite":
        insert = sqlite.insert(HISTORY)
        replaced = {column.name: insert.excluded[column.name] for column in HISTORY.c if column.name != "revision"}
        return insert.on_conflict_do_update(index_elements=[HISTORY.c.revision], set_=replaced)
    upsert = postgresql.insert(HISTORY)
    replaced = {column.name: upsert.excluded[column.name] for column in HISTORY.c if column.name != "revision"}
    return upsert.on_conflict_do_update(index_elements=[HISTORY.c.revision], set_=replaced)


@cache
def _sqlite_upsert() -> tuple[str, tuple[tuple[str, Callable[[Any], Any] | None], ...]]:
    """The SQLite upsert as text, and per parameter in order its name and how SQLAlchemy binds its values."""
    from sqlalchemy.dialects import sqlite

    dialect = sqlite.dialect()
    compiled = _upsert("sqlite").compile(dialect=dialect)
    parameters = tuple(
        (name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
        for name in compiled.positiontup or ()
    )
    return compiled.string, parameters


def _bound(value: Any, process: Callable[[Any], Any] | None) -> Any:
    return value if process is None or value is None else process(value)


@cache
def _postgresql_upsert() -> tuple[str, dict[str, Callable[[Any], str] | None]]:
    """The PostgreSQL upsert as text with ``%(name)s`` placeholders, and per parameter how SQLAlchemy writes a value
    as a literal (as it does for offline SQL)."""
    from sqlalchemy.dialects.postgresql.base import PGDialect

    dialect = PGDialect()  # type: ignore[no-untyped-call]
    compiled = _upsert("postgresql").compile(dialect=dialect)
    literals: dict[str, Callable[[Any], str] | None] = {
        name: bind.type.dialect_impl(dialect).literal_processor(dialect) for name, bind in compiled.binds.items()
    }
    return compiled.string, literals


def _postgresql_literal(row: dict[str, Any]) -> str | None:
    """The upsert of ``row`` with its values written in; ``None`` when a value has a backslash, whose meaning in a
    literal depends on the server's ``standard_conforming_strings``, or no literal form."""
    sql, literals = _postgresql_upsert()
    if any(isinstance(value, str) and "\\" in value for value in row.values()) or None in literals.values():
        return None
    values = {name: "NULL" if row[name] is None else render(row[name]) for name, render in literals.items() if render}
    return sql % values


def _asyncpg_transaction(connection: Connection) -> bool:
    """Whether ``connection`` runs on asyncpg, inside the transaction SQLAlchemy began (as a revision's is)."""
    driver: Any = connection.connection.driver_connection
    return connection.dialect.driver == "asyncpg" and bool(driver.is_in_transaction())


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def read_records(connection: Connection) -> dict[str, AuditRecord]:
    """Every history row by revision, in the order they were applied; empty when the table does not exist."""
    if not inspect(connection).has_table(HISTORY.name):
        return {}
    query = select(HISTORY).order_by(HISTORY.c.applied_at, HISTORY.c.recorded_at)
    return {
        row.revision: AuditRecord(
            revision=row.revision,
            checksum=row.checksum,
            method=row.method,
            applied_at=_iso(row.applied_at),
            recorded_at=_iso(row.recorded_at) or "",
            seconds=row.seconds,
            app_version=row.app_version,
            host=row.host,
        )
        for row in connection.execute(query)
    }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.replace(tzinfo=UTC).isoformat(timespec="seconds")


def verify(connection: Connection, script: ScriptDirectory, current: Sequence[str]) -> Verification:
    """Check every recorded checksum against the script as it is now; list applied revisions not yet recorded."""
    return _verify(connection, script, current)[1]


def _verify(
    connection: Connection, script: ScriptDirectory, current: Sequence[str]
) -> tuple[dict[str, AuditRecord], Verification]:
    records = read_records(connection)
    mismatches = tuple(found for record in records.values() if (found := _mismatch(script, record)) is not None)
    try:
        applied = revisions.applied_set(script, current)
    except MigrationError:  # the database is at a revision these scripts lack; the mismatches say which
        applied = set()
    unrecorded = tuple(
        info.revision for info in revisions.all_revisions(script) if info.revision in applied - set(records)
    )
    return records, Verification(len(records), mismatches, unrecorded)


def _mismatch(script: ScriptDirectory, record: AuditRecord) -> ChecksumMismatch | None:
    # Imported here, so that status (which reads the history rows) does not import Alembic's runtime.
    from alembic.script.revision import ResolutionError
    from alembic.util import CommandError

    try:
        found = script.get_revision(record.revision)
    except (ResolutionError, CommandError):
        found = None
    if found is None or found.revision != record.revision:
        return ChecksumMismatch(record.revision, "missing", None, record.checksum, None, record)
    checksum = file_checksum(found.path)
    if checksum == record.checksum:
        return None
    return ChecksumMismatch(record.revision, "modified", found.doc, record.checksum, checksum, record)


def prepare_upgrade(
    connection: Connection, script: ScriptDirectory, current: Sequence[str], *, accept: Sequence[str] = ()
) -> tuple[str, ...]:
    """Refuse to upgrade over changed scripts unless accepted; record accepted and missing checksums.

    Raises ModifiedMigrationsError naming every changed or missing script not in ``accept``. Returns notes on
    what was accepted and which revisions applied before checksums existed got their checksums now.
    """
    records, verification = _verify(connection, script, current)
    accepted = {_resolve(records, revision) for revision in accept}
    refused = [found for found in verification.mismatches if found.revision not in accepted]
    if refused:
        raise mismatch_error(refused, "nothing was upgraded")
    notes = [_accept(connection, found) for found in verification.mismatches]  # all accepted by now
    notes += [
        f"revision {revision} matches its recorded checksum; nothing to accept"
        for revision in sorted(accepted - {found.revision for found in verification.mismatches})
    ]
    for revision in verification.unrecorded:
        record(connection, script.get_revision(revision), "backfill")
    if verification.unrecorded:
        notes.append(
            f"recorded the checksums of {len(verification.unrecorded)} revision(s) applied before checksums were "
            f"kept ({', '.join(verification.unrecorded)}); their scripts as they are now are the reference"
        )
    return tuple(notes)


def mismatch_error(mismatches: Sequence[ChecksumMismatch], outcome: str) -> ModifiedMigrationsError:
    """The error naming every applied revision whose script changed or disappeared, and what to do."""
    listing = ", ".join(
        f"{found.revision} ({'script missing' if found.problem == 'missing' else 'modified'})" for found in mismatches
    )
    return ModifiedMigrationsError(
        f"{len(mismatches)} applied revision(s) no longer match their scripts: {listing}; {outcome}. Restore the "
        "original scripts, or if the change is intended accept it with "
        "`stockdata migrate upgrade --accept-modified REV` (plain alembic: `-x accept-modified=REV`; "
        "`stockdata migrate verify` shows the details)",
        list(mismatches),
    )


def _resolve(records: dict[str, AuditRecord], revision: str) -> str:
    matches = [recorded for recorded in records if recorded.startswith(revision)]
    if not matches:
        raise UnknownRevisionError(
            f"--accept-modified {revision}: no applied revision with that id has a recorded checksum; "
            "`stockdata migrate verify` lists the revisions to accept"
        )
    if len(matches) > 1:
        raise AmbiguousRevisionError(f"--accept-modified {revision} matches {', '.join(matches)}; give more characters")
    return matches[0]


def _accept(connection: Connection, found: ChecksumMismatch) -> str:
    if found.problem == "missing":
        connection.execute(HISTORY.delete().where(HISTORY.c.revision == found.revision))
        return f"accepted that the script of revision {found.revision} is gone: removed its history row"
    connection.execute(
        HISTORY.update()
        .where(HISTORY.c.revision == found.revision)
        .values(checksum=found.current_checksum, recorded_at=_utcnow())
    )
    return (
        f"accepted the modified script of revision {found.revision} ({found.message}): recorded its new checksum "
        f"{(found.current_checksum or '')[:12]} (was {found.recorded_checksum[:12]})"
    )
