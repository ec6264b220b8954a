"""The production fence: a database marked as production refuses destructive commands unless confirmed.

The mark lives in the database itself (``stockdata_environment``), so it travels with backups and cannot be
forgotten in a shell. Downgrade, stamp, ``--accept-modified`` and unmarking need ``production_confirmed``: the
CLI sets it when the user types the database's name, or passes ``--i-know-this-is-production``; plain ``alembic``
takes ``-x i-know-this-is-production=1``. :mod:`..run.guards` applies the fence to every run, whoever starts it.
"""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import inspect, select
from sqlalchemy.engine import Connection, make_url

from app import __version__
from app.infrastructure.database.migration.bookkeeping import ENVIRONMENT
from app.infrastructure.database.migration.connection import describe_target
from app.infrastructure.database.migration.errors import MigrationError, ProductionGuardError
from app.infrastructure.database.migration.results import DatabaseEnvironment

ENVIRONMENTS = ("development", "test", "staging", "production")
PRODUCTION = "production"


def database_name(url: str) -> str:
    """The name a person types to confirm: the PostgreSQL database's name, or the SQLite file's name."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return Path(parsed.database or "").name
    return parsed.database or ""


def read_environment(connection: Connection) -> DatabaseEnvironment:
    """The environment recorded in the database (``None`` when never marked) and the database's name."""
    environment = None
    if inspect(connection).has_table(ENVIRONMENT.name):
        environment = connection.scalar(select(ENVIRONMENT.c.environment))
    return DatabaseEnvironment(environment, database_name(str(connection.engine.url)))


def guard(connection: Connection, action: str, *, confirmed: bool) -> None:
    """Raise ProductionGuardError when the database is production and ``action`` was not confirmed."""
    current = read_environment(connection)
    if current.is_production and not confirmed:
        raise ProductionGuardError(
            f"{describe_target(str(connection.engine.url))} is marked as production: {action} needs confirmation; "
            f"nothing was changed. Type the database name ({current.database}) when `stockdata migrate` asks, or pass "
            "--i-know-this-is-production (plain alembic: -x i-know-this-is-production=1)"
        )


def mark(connection: Connection, environment: str, *, confirmed: bool) -> DatabaseEnvironment:
    """Record ``environment`` in the database; leaving production needs confirmation like any guarded command."""
    if environment not in ENVIRONMENTS:
        raise MigrationError(f"unknown environment {environment!r}; use one of {', '.join(ENVIRONMENTS)}")
    if environment != PRODUCTION:
        guard(connection, f"marking it as {environment}", confirmed=confirmed)
    ENVIRONMENT.create(connection, checkfirst=True)
    connection.execute(ENVIRONMENT.delete())
    connection.execute(
        ENVIRONMENT.insert().values(
            environment=environment,
            marked_at=datetime.now(UTC).replace(tzinfo=None),
            app_version=__version__,
            host=socket.gethostname(),
        )
    )
    return read_environment(connection)
