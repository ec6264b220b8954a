"""A migration connection made ready to change the schema: the migration lock, then the session's timeouts,
(SQLite) foreign keys checked per revision and (PostgreSQL) commits made durable once, at the end. Read-only commands
never come here."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncConnection

from app.core.config import get_settings
from app.infrastructure.database.migration.run import commits, foreign_keys, timeouts
from app.infrastructure.database.migration.run.events import LockAcquired, MigrationEvent, OnEvent
from app.infrastructure.database.migration.run.locking import migration_lock

MUTATING_COMMANDS = frozenset({"upgrade", "downgrade", "stamp"})
"""The plain ``alembic`` commands that take the migration lock."""

logger = logging.getLogger(__name__)


@asynccontextmanager
async def migration_session(connection: AsyncConnection, *, on_event: OnEvent | None = None) -> AsyncIterator[None]:
    """Hold the migration lock on ``connection`` for the block, its session set up for running revisions."""
    settings = get_settings()
    async with migration_lock(connection, timeout=settings.migration_lock_timeout, on_event=on_event):
        await timeouts.configure_session(connection, settings)
        await foreign_keys.defer_to_revisions(connection)
        async with commits.durable_at_end(connection):
            yield


@asynccontextmanager
async def alembic_command_session(connection: AsyncConnection, config: Config) -> AsyncIterator[None]:
    """:func:`migration_session` for the plain ``alembic`` command line's upgrade, downgrade and stamp; else nothing.

    Waiting for the lock is logged, as Alembic reports everything else; there are no retries on this path.
    """
    if plain_alembic_command(config) not in MUTATING_COMMANDS:
        yield
        return
    async with migration_session(connection, on_event=_log):
        yield


def plain_alembic_command(config: Config) -> str | None:
    """The plain ``alembic`` command being run (``upgrade``, ``current``…); ``None`` when called from code."""
    command = getattr(config.cmd_opts, "cmd", None)
    return None if command is None else getattr(command[0], "__name__", None)


def _log(event: MigrationEvent) -> None:
    logger.log(logging.INFO if isinstance(event, LockAcquired) else logging.WARNING, event.describe())
