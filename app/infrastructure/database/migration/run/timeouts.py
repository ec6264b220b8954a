"""Migration timeouts: ``lock_timeout`` and ``statement_timeout`` on PostgreSQL (the busy timeout on SQLite), the
per-revision override, and running a revision again when it could not get its lock in time.

A revision that needs other limits (a long index build, a table that is always busy) overrides them for itself; the
override ends with the revision's transaction::

    from app.infrastructure.database.migration.run.timeouts import override_timeouts

    def upgrade() -> None:
        override_timeouts(lock_timeout=30, statement_timeout=0)  # seconds; 0 = no limit
        op.create_index(...)
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from alembic import op
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from app.core.config import Settings, get_settings
from app.infrastructure.database.migration.errors import DDLLockTimeoutError
from app.infrastructure.database.migration.run.events import OnEvent, RevisionRetry

LOCK_TIMEOUT = "lock_timeout"
STATEMENT_TIMEOUT = "statement_timeout"
BUSY_TIMEOUT = "busy_timeout"
CLIENT_CHECK_INTERVAL = "2s"
_OVERRIDES = "stockdata.timeout_overrides"
_SQLITE_FOREVER_MS = 2**31 - 1
T = TypeVar("T")


_TIMEOUTS = "set_config('lock_timeout', :lock, false), set_config('statement_timeout', :statement, false)"
# Should the migrator die during a long statement, the server notices within seconds, rolls back and releases the
# migration lock, instead of finishing the statement first. PostgreSQL 14+, on servers whose OS supports it.
_CLIENT_CHECK = "set_config('client_connection_check_interval', :every, false)"


async def configure_session(connection: AsyncConnection, settings: Settings) -> None:
    """Apply the migration timeouts of ``settings`` to ``connection`` for the rest of its session, in one round trip."""
    if connection.dialect.name == "postgresql":
        values = {
            "lock": _ms(settings.migration_ddl_lock_timeout),
            "statement": _ms(settings.migration_statement_timeout),
        }
        if (connection.dialect.server_version_info or (0,)) >= (14,):
            try:
                await connection.execute(
                    text(f"SELECT {_TIMEOUTS}, {_CLIENT_CHECK}"), values | {"every": CLIENT_CHECK_INTERVAL}
                )
                await connection.commit()
                return
            except DBAPIError:  # the server's OS cannot check the client: the timeouts alone
                await connection.rollback()
        await connection.execute(text(f"SELECT {_TIMEOUTS}"), values)
        await connection.commit()
    elif connection.dialect.name == "sqlite":
        busy = round(settings.migration_ddl_lock_timeout * 1000) or _SQLITE_FOREVER_MS
        # Straight to the driver: a pragma of the connection needs no transaction around it.
        raw = await connection.get_raw_connection()
        cursor = await raw.driver_connection.execute(f"PRAGMA busy_timeout = {busy}")  # type: ignore[union-attr]
        await cursor.close()


def override_timeouts(*, lock_timeout: float | None = None, statement_timeout: float | None = None) -> None:
    """Set PostgreSQL's timeouts, in seconds (0: no limit), for the rest of the calling revision (``SET LOCAL``).

    Call it first thing in ``upgrade()`` or ``downgrade()``. It does nothing on SQLite.
    """
    context = op.get_context()
    if context.dialect.name != "postgresql":
        return
    overrides = {
        name: seconds
        for name, seconds in ((LOCK_TIMEOUT, lock_timeout), (STATEMENT_TIMEOUT, statement_timeout))
        if seconds is not None
    }
    for name, seconds in overrides.items():
        op.execute(f"SET LOCAL {name} = '{_ms(seconds)}'")
    if context.config is not None:
        context.config.attributes[_OVERRIDES] = overrides


def forget_overrides(*, ctx: MigrationContext, **_: Any) -> None:
    """``on_version_apply`` callback: a revision's overrides end with its transaction."""
    if ctx.config is not None:
        ctx.config.attributes.pop(_OVERRIDES, None)


def timeout_error(exc: DBAPIError, *, revision: str | None, where: str, config: Config) -> DDLLockTimeoutError | None:
    """The error to raise when ``exc`` is a statement of ``revision`` that ran out of a migration timeout, else None."""
    timeout = _expired(exc)
    if timeout is None:
        return None
    settings = get_settings()
    overrides: dict[str, float] = config.attributes.get(_OVERRIDES, {})
    if timeout in overrides:
        seconds, origin = overrides[timeout], "set by the revision"
    elif timeout == STATEMENT_TIMEOUT:
        seconds, origin = settings.migration_statement_timeout, "MIGRATION_STATEMENT_TIMEOUT"
    else:
        seconds, origin = settings.migration_ddl_lock_timeout, "MIGRATION_DDL_LOCK_TIMEOUT"
    statement = " ".join((exc.statement or "COMMIT").split())
    retried = settings.migration_ddl_lock_retries
    attempts = f" on each of {retried + 1} attempts" if retried else ""
    limit = f"{timeout} ({seconds:g} s, {origin})"
    if timeout == STATEMENT_TIMEOUT:
        advice = (
            f"{statement[:200]} ran longer than {limit}. Let this revision run longer with "
            "override_timeouts(statement_timeout=0) at the top of its upgrade(), or raise MIGRATION_STATEMENT_TIMEOUT"
        )
    elif timeout == LOCK_TIMEOUT:
        advice = (
            f"{statement[:200]} waited longer than {limit}{attempts} for a lock another session holds. "
            "Run again once that session ends (pg_locks and pg_stat_activity show it), or give this revision more "
            "time with override_timeouts(lock_timeout=...) at the top of its upgrade()"
        )
    else:
        advice = (
            f"the database file is busy (another connection holds a transaction on it): "
            f"{statement[:200]} waited longer than the SQLite busy timeout ({seconds:g} s, {origin}){attempts} for "
            "other connections to release the database file. Run again once their transactions end, or raise "
            "MIGRATION_DDL_LOCK_TIMEOUT"
        )
    return DDLLockTimeoutError(
        f"{where} was rolled back: {advice}", revision=revision, timeout=timeout, seconds=seconds, statement=statement
    )


async def retry_lock_timeouts(
    connection: AsyncConnection, run: Callable[[], Awaitable[T]], *, on_event: OnEvent | None
) -> T:
    """Await ``run()``; when it failed only on the lock timeout, roll ``connection`` back, pause and run it again.

    The rollback matters when the timeout hit outside a revision's own transaction (creating or reading
    ``alembic_version``): PostgreSQL refuses every statement of an aborted transaction until then.
    """
    settings = get_settings()
    retries, pause = settings.migration_ddl_lock_retries, settings.migration_ddl_lock_retry_pause
    attempt = 1
    while True:
        try:
            return await run()
        except DDLLockTimeoutError as exc:
            if exc.timeout == STATEMENT_TIMEOUT or attempt > retries:
                raise
            await connection.rollback()
            if on_event is not None:
                on_event(RevisionRetry(exc.revision, exc.timeout, exc.seconds, exc.statement, attempt, retries, pause))
            await asyncio.sleep(pause)
            attempt += 1


def _expired(exc: DBAPIError) -> str | None:
    sqlstate = getattr(exc.orig, "sqlstate", None)
    reason = str(exc.orig)
    if sqlstate == "55P03":
        return LOCK_TIMEOUT
    if sqlstate == "57014" and "statement timeout" in reason:
        return STATEMENT_TIMEOUT
    if "database is locked" in reason:
        return BUSY_TIMEOUT
    return None


def _ms(seconds: float) -> str:
    return f"{round(seconds * 1000)}ms"
