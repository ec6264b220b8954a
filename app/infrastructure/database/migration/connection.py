"""Opening the migration connection, with unreachable databases turned into one clear error."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.pool import NullPool

from app.core.config import mask_url
from app.infrastructure.database.connection import create_engine
from app.infrastructure.database.migration.errors import DatabaseUnreachableError


def describe_target(url: str) -> str:
    """Name the database of ``url`` for a person: host, port and database, or the SQLite file."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite file {parsed.database}"
    return f"PostgreSQL database {parsed.database!r} at {parsed.host or 'localhost'}:{parsed.port or 5432}"


@asynccontextmanager
async def open_connection(url: str) -> AsyncIterator[AsyncConnection]:
    """Yield an async connection to ``url`` on a one-off engine; raise DatabaseUnreachableError if none opens."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        try:
            connection = await engine.connect()
        except (OSError, OperationalError, InterfaceError, DBAPIError) as exc:
            reason = first_line(exc)
            raise DatabaseUnreachableError(
                f"cannot connect to {describe_target(url)}: {reason}. "
                f"Check DATABASE_URL or --database-url ({mask_url(url)}) and that the server is running."
            ) from exc
        try:
            yield connection
        finally:
            await connection.close()
    finally:
        await engine.dispose()


def first_line(exc: BaseException) -> str:
    """The first line of the driver's message for ``exc`` (or of ``exc`` itself): what went wrong, without noise."""
    original = getattr(exc, "orig", None) or exc
    text = str(original).strip().splitlines()
    return text[0] if text else type(original).__name__
