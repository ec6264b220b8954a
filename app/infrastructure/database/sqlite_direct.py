"""Statements sent straight to the SQLite driver, in one trip to aiosqlite's thread instead of four.

Through SQLAlchemy a statement on aiosqlite makes four trips between the event loop and the driver's thread (new
cursor, execute, fetch, close), about 0.4 ms of CPU; one call of the driver's own ``execute_fetchall`` costs a
quarter of that. The statements that run once per transaction or per revision whatever the revision does (the
``BEGIN``, the foreign-key check, the history row) go this way; everything a revision asks for goes through
SQLAlchemy as usual.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.util import await_only


def execute_direct(connection: Connection, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
    """Run ``sql`` (qmark parameters) on the SQLite ``connection`` and return its rows.

    ``connection`` is a sync facade of an aiosqlite connection, called inside ``run_sync``, or a plain sqlite3 one.
    A driver error is raised as SQLAlchemy's (``DBAPIError``), as if the statement had gone through it.
    """
    driver = connection.connection.driver_connection
    try:
        if isinstance(driver, sqlite3.Connection):
            return driver.execute(sql, parameters).fetchall()
        return list(await_only(driver.execute_fetchall(sql, parameters)))  # type: ignore[union-attr]
    except sqlite3.Error as exc:
        raise DBAPIError.instance(sql, parameters, exc, sqlite3.Error) from exc
