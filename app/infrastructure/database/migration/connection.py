"""Opening the migration connection, with unreachable databases turned into one clear error.

:func:`open_connection` opens it through SQLAlchemy; :func:`open_sqlite` and :func:`open_postgres` open the bare
driver's connection for the read-only commands, which read a row or three and import no SQLAlchemy. Both ways refuse
and report the same things in the same words. SQLAlchemy and the drivers are imported when a connection is opened.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core.config import mask_url, parse_url
from app.core.errors import ConfigurationError
from app.infrastructure.database.migration.errors import DatabaseUnreachableError, MigrationError

if TYPE_CHECKING:
    import sqlite3

    import asyncpg
    from sqlalchemy.ext.asyncio import AsyncConnection

# Options of a PostgreSQL URL that SQLAlchemy's asyncpg dialect reads itself rather than passing them to
# asyncpg.connect(): several hosts, and its own statement cache.
_DIALECT_OPTIONS = frozenset({"host", "port", "prepared_statement_cache_size", "prepared_statement_name_func"})


def describe_target(url: str) -> str:
    """Name the database of ``url`` for a person: host, port and database, or the SQLite file."""
    parsed = parse_url(url)
    if parsed.backend == "sqlite":
        return f"SQLite file {parsed.database}"
    return f"PostgreSQL database {parsed.database!r} at {parsed.host or 'localhost'}:{parsed.port or 5432}"


@asynccontextmanager
async def open_connection(url: str, *, create: bool = False) -> AsyncIterator[AsyncConnection]:
    """Yield an async connection to ``url`` on a one-off engine; raise DatabaseUnreachableError if none opens.

    A SQLite file (and its folder) that does not exist is created only with ``create``, for the commands that
    build a database; elsewhere a mistyped path is refused instead of leaving an empty database behind. Other
    database errors raised while the connection is in use become one-line MigrationErrors.
    """
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.pool import NullPool

    from app.infrastructure.database.connection import create_engine
    from app.infrastructure.database.direct import send_ddl_unprepared

    _existing_sqlite_file(url, create=create)
    try:
        # For SQLite this creates the file's folder, which fails with OSError when the path is not writable.
        engine = create_engine(url, poolclass=NullPool)
    except OSError as exc:
        raise _unreachable(url, exc) from exc
    send_ddl_unprepared(engine)
    try:
        try:
            connection = await engine.connect()
        except (OSError, DBAPIError) as exc:
            raise _unreachable(url, exc) from exc
        except TypeError as exc:
            raise _unknown_option(url, exc) from exc
        try:
            await _probe(url, connection)
            yield connection
        except DBAPIError as exc:
            raise reported_error(url, exc) from exc
        finally:
            await connection.close()
    finally:
        await engine.dispose()


@contextmanager
def open_sqlite(url: str) -> Iterator[sqlite3.Connection]:
    """Yield a bare sqlite3 connection to the existing SQLite file of ``url``, refused and probed as
    :func:`open_connection` does; ``BEGIN`` is left to the caller. Other sqlite3 errors become MigrationErrors."""
    import sqlite3

    path = _existing_sqlite_file(url, create=False)
    assert path is not None  # a SQLite URL always names a file (config.normalize_database_url)
    try:
        connection = sqlite3.connect(path, isolation_level=None)
    except sqlite3.Error as exc:
        raise _unreachable(url, exc) from exc
    try:
        waits = connection.execute("PRAGMA busy_timeout").fetchone()[0]
        connection.execute("PRAGMA busy_timeout = 0")
        try:
            connection.execute("PRAGMA schema_version")
        except sqlite3.Error as exc:
            if "database is locked" not in str(exc):
                raise _unreachable(url, exc) from exc
        connection.execute(f"PRAGMA busy_timeout = {int(waits)}")
        yield connection
    except sqlite3.Error as exc:
        raise reported_error(url, exc) from exc
    finally:
        connection.close()


def postgres_arguments(url: str) -> dict[str, Any] | None:
    """``asyncpg.connect()``'s arguments for ``url``, as SQLAlchemy's asyncpg dialect passes them; ``None`` when
    the URL has an option that the dialect reads itself (or one given twice), for :func:`open_connection` to take."""
    parsed = parse_url(url)
    names = [name for name, _value in parsed.query]
    if len(set(names)) < len(names) or _DIALECT_OPTIONS.intersection(names):
        return None
    parts: dict[str, Any] = {"host": parsed.host, "database": parsed.database, "user": parsed.username}
    parts |= {"password": parsed.password, "port": parsed.port}
    return {name: value for name, value in parts.items() if value} | dict(parsed.query)


@asynccontextmanager
async def open_postgres(url: str, arguments: dict[str, Any]) -> AsyncIterator[asyncpg.Connection]:
    """Yield a bare asyncpg connection opened with ``arguments`` (:func:`postgres_arguments` of ``url``), refused
    as :func:`open_connection` refuses; other PostgreSQL errors become MigrationErrors.

    It caches no statement, so that it works through a transaction pooler too.
    """
    import asyncpg

    try:
        connection = await asyncpg.connect(**{"statement_cache_size": 0, **arguments})
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise _unreachable(url, exc) from exc
    except TypeError as exc:
        raise _unknown_option(url, exc) from exc
    try:
        yield connection
    except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise reported_error(url, exc) from exc
    finally:
        await connection.close()


def _existing_sqlite_file(url: str, *, create: bool) -> Path | None:
    """The SQLite file of ``url`` (``None`` for PostgreSQL); refuses a folder, and a missing file unless ``create``."""
    parsed = parse_url(url)
    if parsed.backend != "sqlite" or not parsed.database:
        return None
    path = Path(parsed.database).expanduser()
    if path.is_dir():
        # Checked first: aiosqlite's worker thread outlives a failed connect and then reports a closed event loop.
        raise _unreachable(url, IsADirectoryError("it is a folder, not a database file"))
    if not create and not path.exists():
        raise DatabaseUnreachableError(
            f"the SQLite file {path} does not exist; check DATABASE_URL or --database-url, "
            "or run `stockdata migrate upgrade` to create the database."
        )
    return path


async def _probe(url: str, connection: AsyncConnection) -> None:
    # SQLite opens files lazily: read the header now, so that a file which is not a database fails as unreachable.
    # A file another connection holds locked is busy, not unreachable: the commands wait for it with their own timeout.
    from sqlalchemy.exc import DBAPIError

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
    if parse_url(url).backend == "sqlite":
        advice = "and that it names a SQLite database (or a new file) in a folder that exists and is writable"
    else:
        advice = "and that the server is running and accepts connections"
    return DatabaseUnreachableError(
        f"cannot connect to {describe_target(url)}: {first_line(exc)}. "
        f"Check DATABASE_URL or --database-url ({mask_url(url)}) {advice}."
    )


def _unknown_option(url: str, exc: TypeError) -> ConfigurationError:
    # An unknown ?option of the URL reaches the driver's connect() as a keyword.
    return ConfigurationError(
        f"the database URL has an option the driver does not accept ({exc}): {mask_url(url)}; remove it "
        "(asyncpg spells sslmode=require as ssl=require)"
    )


def reported_error(url: str, exc: BaseException) -> MigrationError:
    """The error for ``exc``, which the database raised while a connection to ``url`` was in use."""
    return MigrationError(
        f"{describe_target(url)} reported an error: {first_line(exc)}; run the command again with -v for details"
    )


def first_line(exc: BaseException) -> str:
    """The first line of the driver's message for ``exc`` (or of ``exc`` itself): what went wrong, without noise."""
    original = getattr(exc, "orig", None) or exc
    text = str(original).strip().splitlines()
    return text[0] if text else type(original).__name__
