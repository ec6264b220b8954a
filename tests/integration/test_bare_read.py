"""``current`` and ``status`` read the database through the bare driver (sqlite3, asyncpg) and say exactly what the
SQLAlchemy and Alembic path says, which a URL option only SQLAlchemy's dialect reads still takes."""

from __future__ import annotations

import asyncio

import pytest

from app.infrastructure.database.migration import get_current_revision, get_status, mark_environment, upgrade_database
from app.infrastructure.database.migration.inspect import bookkeeping_rows
from harness.queries import execute
from tests.pgbouncer_server import through
from tests.scripts_folder import project_head

# An option SQLAlchemy's dialect reads itself, so that the call goes through SQLAlchemy and Alembic.
DIALECT_OPTION = {"sqlite": "?timeout=7", "postgresql": "?prepared_statement_cache_size=0"}


def _through_sqlalchemy(url: str) -> str:
    return url + DIALECT_OPTION[url.split(":", 1)[0].split("+", 1)[0]]


def test_status_reads_the_same_through_the_bare_driver_as_through_sqlalchemy(database_url: str) -> None:
    asyncio.run(upgrade_database(database_url=database_url))
    asyncio.run(mark_environment("staging", database_url=database_url))

    bare = asyncio.run(bookkeeping_rows.read_bookkeeping(database_url, with_status=True))
    status = asyncio.run(get_status(database_url=database_url))

    assert bare is not None
    assert bare.records
    assert bare.environment == "staging"
    assert asyncio.run(bookkeeping_rows.read_bookkeeping(_through_sqlalchemy(database_url), with_status=True)) is None
    assert status == asyncio.run(get_status(database_url=_through_sqlalchemy(database_url)))
    assert all(info.audit is not None and info.audit.recorded_at for info in status.revisions)
    assert status.environment == "staging"


def test_an_unmigrated_database_and_one_without_history_read_as_empty(database_url: str) -> None:
    assert asyncio.run(get_current_revision(database_url=database_url)) is None
    asyncio.run(upgrade_database(database_url=database_url))
    execute(database_url, f"DROP TABLE {bookkeeping_rows.HISTORY_TABLE}")

    status = asyncio.run(get_status(database_url=database_url))

    assert status.current == (project_head(),)
    assert [info.audit for info in status.revisions] == [None] * len(status.revisions)
    assert status == asyncio.run(get_status(database_url=_through_sqlalchemy(database_url)))


def test_status_reads_through_a_transaction_pooler(postgres_url: str, pgbouncer_transaction: str) -> None:
    asyncio.run(upgrade_database(database_url=postgres_url))
    pooled = through(pgbouncer_transaction, postgres_url)

    for _ in range(3):  # a statement cache would find its statements missing on another server session
        assert asyncio.run(get_status(database_url=pooled)) == asyncio.run(get_status(database_url=postgres_url))
        assert asyncio.run(get_current_revision(database_url=pooled)) == project_head()


@pytest.mark.parametrize("table", [bookkeeping_rows.HISTORY_TABLE, bookkeeping_rows.ENVIRONMENT_TABLE])
def test_the_table_names_are_the_bookkeeping_tables(table: str) -> None:
    from app.infrastructure.database.migration.bookkeeping import TABLE_NAMES

    assert table in TABLE_NAMES
