"""Refusing a transaction pooler on the migration connection, where the session-level migration lock cannot hold.

Behind PgBouncer in ``pool_mode = transaction`` (or ``statement``) each transaction of the connection may run on
another server session, and a server session is lent to other clients between our transactions: the advisory lock
would be taken on one server session and held (or released) there, shared by whoever runs on it next, and the
session's ``lock_timeout`` would apply to others. Session pooling binds a server session to the client for the
whole connection, so it is as good as a direct connection for migrating.

The probe, before the lock is taken:

1. The server's ``pg_backend_pid()`` is compared with the process id the start-up announced to the driver
   (``BackendKeyData``). PostgreSQL announces its own; PgBouncer announces a random key of its own. Equal: a direct
   connection (or a plain TCP proxy, which passes the start-up through), and the probe ends after one round trip.
2. Else a pooler answered. With the migration connection idle, a second connection through the same URL asks for
   its server session: a transaction pooler lends it ours (PgBouncer hands out the most recently released server
   first, so this holds with any pool size while nothing else runs, and always with a pool of one); a session
   pooler never does, and with every server busy it makes the second connection wait, which is read as
   session pooling after :data:`WAIT_SECONDS`. Finally the migration connection's own server session, changed
   between two transactions, is proof of transaction pooling whatever the second connection saw.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.pool import NullPool

from app.infrastructure.database.connection import create_engine
from app.infrastructure.database.migration.errors import PoolerDetectedError

WAIT_SECONDS = 2.0
"""How long the second connection waits for a server session before concluding that ours is not being lent."""


async def refuse_transaction_pooler(connection: AsyncConnection, target: str) -> None:
    """Raise PoolerDetectedError when ``connection`` (PostgreSQL, idle) goes through a transaction pooler."""
    backend = await _backend_pid(connection)
    if backend == await _announced_pid(connection):
        return
    if await _lent_to_others(connection, backend) or await _backend_pid(connection) != backend:
        raise PoolerDetectedError(
            f"the migration connection to {target} goes through a transaction pooler (e.g. PgBouncer with "
            "pool_mode = transaction), where the migration lock cannot hold; nothing was changed. Set "
            "MIGRATION_DATABASE_URL (or --database-url) to a direct connection to PostgreSQL, or to a session-mode "
            "pool, and keep DATABASE_URL on the pooler"
        )


async def _backend_pid(connection: AsyncConnection) -> int:
    pid = int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())
    # Committed at once: a transaction pooler takes the server session back only when the connection is idle.
    await connection.commit()
    return pid


async def _announced_pid(connection: AsyncConnection) -> int | None:
    driver = (await connection.get_raw_connection()).driver_connection
    get_server_pid = getattr(driver, "get_server_pid", None)  # asyncpg; other drivers skip to the second test
    return None if get_server_pid is None else int(get_server_pid())


async def _lent_to_others(connection: AsyncConnection, backend: int) -> bool:
    url = connection.engine.url.render_as_string(hide_password=False)
    # Pooler-safe statements: on our server session, asyncpg's numbered names would collide with our own.
    engine = create_engine(url, poolclass=NullPool, transaction_pooler=True)
    try:
        async with asyncio.timeout(WAIT_SECONDS), engine.connect() as other:
            return await _backend_pid(other) == backend
    except TimeoutError:
        return False
    finally:
        await engine.dispose()
