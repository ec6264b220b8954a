"""Statements sent straight to the driver in one trip, for the bookkeeping that runs once per revision.

Through SQLAlchemy a statement on aiosqlite makes four trips between the event loop and the driver's thread (new
cursor, execute, fetch, close), about 0.4 ms of CPU, and one on asyncpg is prepared first (again after every DDL
statement, which invalidates SQLAlchemy's statement cache): two round trips to the server. One call of the driver's
own method costs a quarter of the first and one round trip instead of two. The statements that run once per
transaction or per revision whatever the revision does (SQLite's ``BEGIN``, the foreign-key check, the history row)
go this way; everything a revision asks for goes through SQLAlchemy as usual.
"""

from __future__ import annotations

import re
import sqlite3
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.util import await_only

if TYPE_CHECKING:
    from sqlalchemy.engine import ExecutionContext
    from sqlalchemy.ext.asyncio import AsyncEngine


def execute_direct(connection: Connection, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
    """Run ``sql`` on ``connection``'s driver and return its rows (none on asyncpg).

    ``connection`` is a sync facade of an aiosqlite or asyncpg connection, called inside ``run_sync``, or a plain
    sqlite3 one. SQLite takes qmark ``parameters``; on asyncpg ``sql`` is sent as a simple query, literals written in,
    and must be run inside the transaction SQLAlchemy has begun. A driver error is raised as SQLAlchemy's
    (``DBAPIError``, the driver's error as ``orig``), as if the statement had gone through it.
    """
    driver: Any = connection.connection.driver_connection
    try:
        if isinstance(driver, sqlite3.Connection):
            return driver.execute(sql, parameters).fetchall()
        if connection.dialect.name == "sqlite":
            return list(await_only(driver.execute_fetchall(sql, parameters)))
        if parameters or not driver.is_in_transaction():
            raise ValueError("asyncpg statements are sent without parameters, inside the run's transaction")
        await_only(driver.execute(sql))
        return []
    except Exception as exc:
        if isinstance(exc, sqlite3.Error) or type(exc).__module__.startswith("asyncpg"):
            raise DBAPIError.instance(sql, parameters, exc, Exception) from exc
        raise


def send_ddl_unprepared(engine: AsyncEngine) -> None:
    """On asyncpg, send ``engine``'s schema changes as simple queries: one round trip each instead of two.

    SQLAlchemy's asyncpg dialect prepares every statement before running it, and a revision's statements are each
    new (every DDL statement also invalidates its cache of prepared ones). Statements that carry no parameter and
    return no row — DDL, and an ``UPDATE`` or ``DELETE`` without ``RETURNING``, as Alembic moves ``alembic_version``
    with — gain nothing from it. They go as one simple query instead, in the transaction SQLAlchemy began, with the
    same errors and row counts; everything else is prepared as usual.
    """
    if engine.dialect.driver == "asyncpg" and engine.dialect.paramstyle == "numeric_dollar":
        event.listen(engine.sync_engine, "do_execute", _execute_unprepared)


def _execute_unprepared(cursor: Any, statement: str, parameters: Any, context: ExecutionContext) -> bool:
    if parameters or not _returns_nothing(context) or not hasattr(cursor, "_adapt_connection"):
        return False
    await_only(_simple_query(cursor, statement))
    return True


def _returns_nothing(context: Any) -> bool:
    if context.isddl:
        return True
    compiled = context.compiled
    return compiled is not None and (context.isupdate or context.isdelete) and not compiled.effective_returning


async def _simple_query(cursor: Any, statement: str) -> None:
    # What the dialect's cursor does around a prepared statement: the connection's lock, the transaction SQLAlchemy
    # began lazily, the driver's errors translated; then no rows and the row count of the status ("UPDATE 1").
    adapted = cursor._adapt_connection
    async with adapted._execute_mutex:
        if adapted._transaction is None:
            await adapted._start_transaction()
        try:
            status = await adapted._connection.execute(statement)
        except Exception as error:
            cursor._handle_exception(error)
    cursor._description = None
    cursor._rows = deque()
    counted = re.fullmatch(r"(?:UPDATE|DELETE) (\d+)", status or "")
    cursor._rowcount = int(counted.group(1)) if counted else -1
