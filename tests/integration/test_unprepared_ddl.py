"""On PostgreSQL the migration connection sends schema changes and parameterless ``UPDATE``/``DELETE`` statements as
simple queries (one round trip, nothing prepared), inside the revision's transaction, with the same errors, row
counts and rollback as a prepared statement; queries that return rows are still prepared."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, literal_column, select, text, update
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.schema import CreateTable

from app.infrastructure.database.migration.connection import open_connection
from harness.queries import column

T = TypeVar("T")
PAIRS = Table("pairs", MetaData(), Column("id", Integer, primary_key=True), Column("name", String(20)))
PREPARED = text("SELECT statement FROM pg_prepared_statements ORDER BY prepare_time")


def _on_migration_connection(url: str, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    async def run() -> T:
        async with open_connection(url) as connection:
            return await work(connection)

    return asyncio.run(run())


def test_ddl_and_version_moves_are_not_prepared_and_queries_still_are(postgres_url: str) -> None:
    async def work(connection: AsyncConnection) -> tuple[int, int, list[str]]:
        await connection.execute(CreateTable(PAIRS))
        await connection.execute(text("INSERT INTO pairs (id, name) VALUES (1, 'ア'), (2, 'イ'), (3, 'ウ')"))
        renamed = update(PAIRS).where(PAIRS.c.id < literal_column("3")).values(name=literal_column("'エ'"))
        moved = await connection.execute(renamed)
        counted = await connection.scalar(select(func.count()).select_from(PAIRS))
        prepared = list((await connection.execute(PREPARED)).scalars())
        await connection.commit()
        return moved.rowcount, counted or 0, prepared

    moved, counted, prepared = _on_migration_connection(postgres_url, work)

    assert (moved, counted) == (2, 3)
    assert not [statement for statement in prepared if statement.startswith(("CREATE TABLE", "UPDATE"))]
    assert [statement for statement in prepared if statement.startswith("SELECT count(*)")]
    assert column(postgres_url, "SELECT name FROM pairs ORDER BY id") == ["エ", "エ", "ウ"]


def test_a_schema_change_rolls_back_with_its_transaction(postgres_url: str) -> None:
    async def work(connection: AsyncConnection) -> None:
        await connection.execute(CreateTable(PAIRS))
        await connection.rollback()

    _on_migration_connection(postgres_url, work)

    assert column(postgres_url, "SELECT count(*) FROM pg_tables WHERE tablename = 'pairs'") == [0]


def test_a_failing_schema_change_raises_as_a_prepared_one_would(postgres_url: str) -> None:
    async def work(connection: AsyncConnection) -> None:
        await connection.execute(CreateTable(PAIRS))
        await connection.commit()
        try:
            with pytest.raises(ProgrammingError) as raised:
                await connection.execute(CreateTable(PAIRS))
        finally:
            await connection.rollback()
        assert (raised.value.statement or "").startswith("\nCREATE TABLE pairs")
        assert getattr(raised.value.orig, "sqlstate", None) == "42P07"  # duplicate_table
        assert 'relation "pairs" already exists' in str(raised.value.orig)

    _on_migration_connection(postgres_url, work)
