"""Statements sent straight to the driver in one trip, for the bookkeeping that runs once per revision.

Through SQLAlchemy a statement on aiosqlite makes four trips between the event loop and the driver's thread (new
cursor, execute, fetch, close), about 0.4 ms of CPU, and one on asyncpg is prepared first (again after every DDL
statement, which invalidates SQLAlchemy's statement cache): two round trips to the server. One call of the driver's
own method costs a quarter of the first and one round trip instead of two. The statements that run once per
transaction or per revision whatever the revision does (SQLite's ``BEGIN``, the foreign-key check, the history row)
go this way; everything a revision asks for goes through SQLAlchemy as usual.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.util import await_only


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
