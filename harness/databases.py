"""Throwaway databases for tests: a SQLite file in a temporary folder, or a fresh PostgreSQL database."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from app.core.config import normalize_database_url
from app.infrastructure.database.connection import create_engine


def postgres_server_url() -> str | None:
    """The PostgreSQL server tests may use (``TEST_DATABASE_URL``), normalised; ``None`` when unset."""
    raw = os.environ.get("TEST_DATABASE_URL")
    return normalize_database_url(raw, source="TEST_DATABASE_URL") if raw else None


async def _admin(server_url: str, statement: str) -> None:
    engine = create_engine(server_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


def ping(server_url: str) -> None:
    """Raise if the server cannot be reached."""
    asyncio.run(_admin(server_url, "SELECT 1"))


def create_postgres_database(server_url: str, prefix: str = "stockdata_test", *, template: str | None = None) -> str:
    """Create an empty database on the server (or a copy of the database at URL ``template``) and return its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{make_url(template).database}"' if template else ""
    asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}"{copy}'))
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(server_url: str, url: str) -> None:
    """Drop the database of ``url`` (terminating any session still connected to it)."""
    name = make_url(url).database
    asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _run_script(url: str, sql: str) -> None:
    engine = create_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            # asyncpg's execute() without arguments runs a whole multi-statement script.
            await raw.driver_connection.execute(sql)  # type: ignore[union-attr]
    finally:
        await engine.dispose()


def run_sql_script(url: str, sql: str) -> None:
    """Run a multi-statement SQL script (such as a legacy migration file) on a PostgreSQL database."""
    asyncio.run(_run_script(url, sql))


@contextmanager
def open_transaction(url: str, sql: str) -> Iterator[None]:
    """Keep a second session's transaction open, after running ``sql`` in it, until the block ends.

    Reading a PostgreSQL table this way holds a lock that any ``ALTER TABLE`` on it has to wait for.
    """
    loop = asyncio.new_event_loop()
    engine = create_engine(url, poolclass=NullPool)
    connection = loop.run_until_complete(engine.connect())
    try:
        loop.run_until_complete(connection.execute(text(sql)))
        yield
    finally:
        loop.run_until_complete(connection.rollback())
        loop.run_until_complete(connection.close())
        loop.run_until_complete(engine.dispose())
        loop.close()
