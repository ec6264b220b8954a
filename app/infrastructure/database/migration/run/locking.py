"""One migrator at a time: the database-wide migration lock held around a whole upgrade, downgrade or stamp.

PostgreSQL: a session-level advisory lock taken on the migration connection itself. Its key is derived from the
fixed name ``LOCK_NAME`` (the first 8 bytes of its SHA-256, big-endian, signed): ``7506785057103662842``, which
``pg_locks`` shows as ``classid = 1747809596, objid = 2648690426, objsubid = 1``. Advisory locks are per database,
and a session-level one survives the commit of every revision and ends with the session, so a killed migrator's
lock goes away with its connection. That needs one server session for the whole run: behind a transaction pooler
there is none, and the run is refused first (:mod:`.pooler`).

SQLite: an exclusive ``flock`` on the file ``<database>.migration-lock`` beside the database. Not the database
file itself, whose locks SQLite takes with POSIX ``fcntl`` (closing any other descriptor of it would drop them), and
not ``BEGIN EXCLUSIVE``, which lasts one transaction while a run commits once per revision. The kernel releases a
``flock`` when its process dies; the file is left in place, holding the current holder's description.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import os
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from app.infrastructure.database.migration.connection import describe_target
from app.infrastructure.database.migration.errors import MigrationLockTimeoutError
from app.infrastructure.database.migration.run.events import LockAcquired, LockWaiting, MigrationEvent, OnEvent
from app.infrastructure.database.migration.run.pooler import refuse_transaction_pooler

LOCK_NAME = "stockdata.migrations"
ADVISORY_LOCK_KEY = int.from_bytes(hashlib.sha256(LOCK_NAME.encode()).digest()[:8], "big", signed=True)
LOCK_FILE_SUFFIX = ".migration-lock"
POLL_SECONDS = 0.1
_LOCK_NOT_AVAILABLE = "55P03"

_HOLDER_QUERY = text(
    """
    SELECT a.pid, a.application_name, host(a.client_addr) AS client, a.backend_start
    FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid
    WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
      AND l.classid = CAST(:high AS oid) AND l.objid = CAST(:low AS oid)
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
    """
)


@asynccontextmanager
async def migration_lock(
    connection: AsyncConnection, *, timeout: float, on_event: OnEvent | None = None
) -> AsyncIterator[None]:
    """Hold the migration lock of ``connection``'s database for the block, waiting up to ``timeout`` seconds.

    Raises MigrationLockTimeoutError when another migrator still holds it after ``timeout`` seconds, and
    PoolerDetectedError, before taking anything, when a PostgreSQL connection goes through a transaction pooler.
    """
    url = connection.engine.url
    target = describe_target(url.render_as_string(hide_password=True))
    if url.get_backend_name() == "postgresql":
        async with _advisory_lock(connection, target, timeout, on_event):
            yield
        return
    path = lock_file_path(url)
    if path is None:  # an in-memory database has a single connection
        yield
        return
    async with _file_lock(path, target, timeout, on_event):
        yield


def lock_file_path(url: URL) -> Path | None:
    """The lock file of the SQLite database at ``url``; ``None`` for an in-memory database."""
    database = (url.database or "").removeprefix("file:")
    if database in ("", ":memory:") or url.query.get("mode") == "memory":
        return None
    return Path(database + LOCK_FILE_SUFFIX)


def _this_process() -> str:
    return f"pid {os.getpid()} on {socket.gethostname()}"


def _emit(on_event: OnEvent | None, event: MigrationEvent) -> None:
    if on_event is not None:
        on_event(event)


def _timed_out(target: str, timeout: float, holder: str | None, advice: str) -> MigrationLockTimeoutError:
    return MigrationLockTimeoutError(
        f"another migration of {target} held the migration lock for more than {timeout:g} s "
        f"({holder or 'holder unknown'}); nothing was changed. Run again once it has finished, or raise "
        f"MIGRATION_LOCK_TIMEOUT; {advice}"
    )


@asynccontextmanager
async def _advisory_lock(
    connection: AsyncConnection, target: str, timeout: float, on_event: OnEvent | None
) -> AsyncIterator[None]:
    await refuse_transaction_pooler(connection, target)
    await _name_session(connection)
    started = time.monotonic()
    got = await _scalar(connection, "SELECT pg_try_advisory_lock(:key)", key=ADVISORY_LOCK_KEY)
    await connection.commit()
    if not got:
        holder = await _advisory_holder(connection)
        _emit(on_event, LockWaiting(target, holder, timeout))
        await _wait_for_advisory_lock(connection, target, timeout, holder)
        _emit(on_event, LockAcquired(time.monotonic() - started))
    try:
        yield
    finally:
        await _release_advisory_lock(connection)


async def _scalar(connection: AsyncConnection, sql: str, **params: Any) -> Any:
    return (await connection.execute(text(sql), params)).scalar()


async def _name_session(connection: AsyncConnection) -> None:
    # Waiting migrators find the holder through pg_stat_activity; a name the URL gave is kept.
    name = f"stockdata migrate ({_this_process()})"[:63]
    await connection.execute(
        text("SELECT set_config('application_name', :name, false) WHERE current_setting('application_name') = ''"),
        {"name": name},
    )
    await connection.commit()


async def _advisory_holder(connection: AsyncConnection) -> str | None:
    key = ADVISORY_LOCK_KEY & 0xFFFFFFFFFFFFFFFF
    row = (await connection.execute(_HOLDER_QUERY, {"high": key >> 32, "low": key & 0xFFFFFFFF})).first()
    await connection.commit()
    if row is None:
        return None
    parts = [f"PostgreSQL session pid {row.pid}"]
    if row.application_name:
        parts.append(f"application {row.application_name!r}")
    if row.client:
        parts.append(f"from {row.client}")
    if row.backend_start is not None:
        parts.append(f"connected at {row.backend_start:%Y-%m-%d %H:%M:%S %Z}")
    return ", ".join(parts)


async def _wait_for_advisory_lock(connection: AsyncConnection, target: str, timeout: float, holder: str | None) -> None:
    advice = f"a stuck holder can be ended with SELECT pg_terminate_backend(<pid>) (lock key {ADVISORY_LOCK_KEY})"
    if timeout <= 0:
        raise _timed_out(target, timeout, holder, advice)
    # A blocking wait bounded by lock_timeout hands the lock over the moment it is released, unlike polling.
    await connection.execute(
        text("SELECT set_config('lock_timeout', :wait, true), set_config('statement_timeout', '0', true)"),
        {"wait": f"{max(1, round(timeout * 1000))}ms"},
    )
    try:
        await connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
    except DBAPIError as exc:
        await connection.rollback()
        if getattr(exc.orig, "sqlstate", None) == _LOCK_NOT_AVAILABLE:
            raise _timed_out(target, timeout, holder, advice) from None
        raise
    await connection.commit()


async def _release_advisory_lock(connection: AsyncConnection) -> None:
    try:
        await connection.rollback()
        await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
        await connection.commit()
    except SQLAlchemyError:
        # The session is gone (server restart, terminated backend), and a session-level lock ends with it.
        return


@asynccontextmanager
async def _file_lock(path: Path, target: str, timeout: float, on_event: OnEvent | None) -> AsyncIterator[None]:
    handle = _open_lock_file(path)
    if handle is None:
        # The lock file is missing and its folder is read-only: no write can succeed for this user either (SQLite
        # journals in that folder), so a run with something to do fails on its first write (PermissionDeniedError),
        # and one with nothing to do needs no lock.
        yield
        return
    with handle:
        started = time.monotonic()
        if not _try_flock(handle):
            holder = path.read_text(encoding="utf-8").strip() or None
            _emit(on_event, LockWaiting(target, holder, timeout))
            while not _try_flock(handle):
                if time.monotonic() - started >= timeout:
                    raise _timed_out(target, timeout, holder, f"the lock file is {path}")
                await asyncio.sleep(POLL_SECONDS)
            _emit(on_event, LockAcquired(time.monotonic() - started))
        writable = handle.writable()
        if writable:
            handle.truncate(0)
            handle.write(f"{_this_process()} since {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC\n")
            handle.flush()
        try:
            yield
        finally:
            if writable:
                handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)


def _open_lock_file(path: Path) -> IO[str] | None:
    """The lock file, for writing or else read-only (``flock`` needs no write access); ``None`` if it cannot be had."""
    for mode in ("a+", "r"):
        try:
            return path.open(mode, encoding="utf-8")
        except OSError:
            continue
    return None


def _try_flock(handle: IO[str]) -> bool:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
