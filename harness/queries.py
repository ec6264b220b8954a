"""One-off queries on a database given by URL, each on its own short-lived connection."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from app.infrastructure.database.connection import create_engine

T = TypeVar("T")


async def _on_connection(url: str, function: Callable[[Connection], T]) -> T:
    engine = create_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(function)
    finally:
        await engine.dispose()


def on_connection(url: str, function: Callable[[Connection], T]) -> T:
    """Run ``function`` on a synchronous connection to the database at ``url`` and return its result.

    Whatever ``function`` does not commit is rolled back.
    """
    return asyncio.run(_on_connection(url, function))


def rows(url: str, sql: str) -> list[Any]:
    """Every row of ``sql``."""
    return on_connection(url, lambda connection: list(connection.execute(text(sql)).all()))


def scalar(url: str, sql: str) -> Any:
    """The first column of the first row of ``sql``."""
    return on_connection(url, lambda connection: connection.execute(text(sql)).scalar())


def column(url: str, sql: str) -> list[Any]:
    """The first column of every row of ``sql``."""
    return on_connection(url, lambda connection: list(connection.execute(text(sql)).scalars()))


def execute(url: str, *statements: str) -> None:
    """Run ``statements`` in one committed transaction."""

    def run_all(connection: Connection) -> None:
        for statement in statements:
            connection.execute(text(statement))
        connection.commit()

    on_connection(url, run_all)


def version(url: str) -> list[str]:
    """The revisions in ``alembic_version``."""
    return column(url, "SELECT version_num FROM alembic_version")
