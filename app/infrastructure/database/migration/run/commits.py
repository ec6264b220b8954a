"""PostgreSQL commits during a run: every one asynchronous but the last, which makes the whole run durable.

Each revision still commits on its own, with its history row in the same transaction. What changes is that a commit
made under the migration lock returns without waiting for its WAL to reach the disk (``synchronous_commit = off``),
which saves one disk flush per revision. PostgreSQL writes WAL in order, so a server crash during the run can lose
only the last revisions committed this way, whole (each with its history row, never one without those before it):
the database is then at an earlier revision, and the next run applies them again. Before the lock is released, one
synchronous commit waits for the WAL up to that point, which makes every commit of the run durable at once, so a
run that reported success has reached the disk, as one committing each revision synchronously would have.

SQLite commits as before.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

_DEFER = text(
    "SELECT set_config('synchronous_commit', 'off', false) WHERE has_function_privilege("
    "'pg_catalog.pg_logical_emit_message(boolean, text, text)', 'EXECUTE')"
)
# The wait needs a transaction that has an id and wrote WAL: PostgreSQL commits any other one without waiting. A
# transactional message is both (logical decoding hands it to subscribers that asked for messages; others skip it).
_WAIT = text("SELECT pg_logical_emit_message(true, 'stockdata', 'migration committed')")


@asynccontextmanager
async def durable_at_end(connection: AsyncConnection) -> AsyncIterator[None]:
    """On PostgreSQL, let the commits on ``connection`` in the block skip waiting for the disk; wait once at its end.

    The wait at the end restores the session's ``synchronous_commit``, after rolling back whatever transaction is
    open (as releasing the migration lock would). When the block failed, a session that is gone (server restart,
    terminated backend) has nothing more to flush and the block's error is raised; otherwise a failed wait is raised.
    A role that may not emit the message that the wait needs commits every revision synchronously instead.
    """
    deferred = False
    if connection.dialect.name == "postgresql":
        deferred = (await connection.execute(_DEFER)).first() is not None
        await connection.commit()
    if not deferred:
        yield
        return
    try:
        yield
    except BaseException:
        with suppress(SQLAlchemyError):
            await _wait_for_disk(connection)
        raise
    await _wait_for_disk(connection)


async def _wait_for_disk(connection: AsyncConnection) -> None:
    await connection.rollback()
    await connection.execute(text("RESET synchronous_commit"))
    await connection.execute(_WAIT)
    await connection.commit()
