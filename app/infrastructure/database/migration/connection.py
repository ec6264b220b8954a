"""Opening the migration connection, with unreachable databases turned into one clear error."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.pool import NullPool

from app.core.config import mask_url
from app.core.errors import ConfigurationError
from app.infrastructure.database.connection import create_engine
from app.infrastructure.database.migration.errors import DatabaseUnreachableError, MigrationError


def describe_target(url: str) -> str:
    """Name the database of ``url`` for a person: host, port and database, or the SQLite file."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite file {parsed.database}"
    return f"PostgreSQL database {parsed.database!r} at {parsed.host or 'localhost'}:{parsed.port or 5432}"


@asynccontextmanager
async def open_connection(url: str) -> AsyncIterator[AsyncConnection]:
    """Yield an async connection to ``url`` on a one-off engine; raise DatabaseUnreachableError if none opens.

    Other database errors raised while the connection is in use become one-line MigrationErrors.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and Path(parsed.database).expanduser().is_dir():
        # Checked first: aiosqlite's worker thread outlives a failed connect and then reports a closed event loop.
        raise _unreachable(url, IsADirectoryError("it is a folder, not a database file"))
    try:
        # For SQLite this creates the file's folder, which fails with OSError when the path is not writable.
        engine = create_engine(url, poolclass=NullPool)
    except OSError as exc:
        raise _unreachable(url, exc) from exc
    try:
        try:
            connection = await engine.connect()
        except (OSError, DBAPIError) as exc:
            raise _unreachable(url, exc) from exc
        except TypeError as exc:  # an unknown ?option of the URL reaches the driver's connect() as a keyword
            raise ConfigurationError(
                f"the database URL has an option the driver does not accept ({exc}): {mask_url(url)}; remove it "
                "(asyncpg spells sslmode=require as ssl=require)"
            ) from exc
        try:
            await _probe(url, connection)
            yield connection
        except DBAPIError as exc:
            raise MigrationError(
                f"{describe_target(url)} reported an error: {first_line(exc)}; "
                "run the command again with -v for details"
            ) from exc
        finally:
            await connection.close()
    finally:
        await engine.dispose()


async def _probe(url: str, connection: AsyncConnection) -> None:
    # SQLite opens files lazily: read the header now, so that a file which is not a database fails as unreachable.
    # A file another connection holds locked is busy, not unreachable: the commands wait for it with their own timeout.
    if connection.dialect.name != "sqlite":
        return
    waits = int((await connection.exec_driver_sql("PRAGMA busy_timeout")).scalar_one())
    await connection.exec_driver_sql("PRAGMA busy_timeout = 0")
    try:
        await connection.exec_driver_sql("PRAGMA schema_version")
    except DBAPIError as exc:
        if "database is locked" not in str(exc.orig):
            raise _unreachable(url, exc) from exc
    finally:
        await connection.rollback()
        await connection.exec_driver_sql(f"PRAGMA busy_timeout = {waits}")
        await connection.rollback()


def _unreachable(url: str, exc: BaseException) -> DatabaseUnreachableError:
    if make_url(url).get_backend_name() == "sqlite":
        advice = "and that it names a SQLite database (or a new file) in a folder that exists and is writable"
    else:
        advice = "and that the server is running and accepts connections"
    return DatabaseUnreachableError(
        f"cannot connect to {describe_target(url)}: {first_line(exc)}. "
        f"Check DATABASE_URL or --database-url ({mask_url(url)}) {advice}."
    )


def first_line(exc: BaseException) -> str:
    """The first line of the driver's message for ``exc`` (or of ``exc`` itself): what went wrong, without noise."""
    original = getattr(exc, "orig", None) or exc
    text = str(original).strip().splitlines()
    return text[0] if text else type(original).__name__
