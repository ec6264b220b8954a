"""The pre-flight's shortcut on a fresh database: with no table there is no row to lose, so nothing is analysed; a
table anywhere (another schema, an attached SQLite file) means the pre-flight runs as usual."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from app.infrastructure.database.migration import upgrade_database
from app.infrastructure.database.migration.errors import DataLossRefusedError
from app.infrastructure.database.migration.guard.counting import LiveData
from harness.queries import execute, on_connection
from tests.scripts_folder import write_revision

DROP = "fr000001"


def holds_no_table(url: str) -> bool:
    return on_connection(url, lambda connection: LiveData(connection).holds_no_table())


def only_revision(scripts: Path, upgrade: str) -> Path:
    """``scripts`` with one revision alone, whose ``upgrade()`` body is ``upgrade``."""
    for revision in (scripts / "versions").glob("*.py"):
        revision.unlink()
    write_revision(scripts, DROP, down_revision=None, upgrade=upgrade)
    return scripts


def test_a_fresh_database_holds_no_table(database_url: str) -> None:
    assert holds_no_table(database_url)


def test_the_migration_systems_own_tables_do_not_count(database_url: str, scripts: Path) -> None:
    asyncio.run(upgrade_database(database_url=database_url, script_location=only_revision(scripts, "pass")))

    assert holds_no_table(database_url)  # alembic_version and the history table only


def test_a_table_of_the_default_schema_counts(database_url: str) -> None:
    execute(database_url, "CREATE TABLE kept (id INTEGER PRIMARY KEY)")

    assert not holds_no_table(database_url)


def test_a_table_in_another_schema_counts(postgres_url: str) -> None:
    execute(postgres_url, "CREATE SCHEMA audit", "CREATE TABLE audit.kept (id INTEGER PRIMARY KEY)")

    assert not holds_no_table(postgres_url)


def test_an_attached_sqlite_file_counts(sqlite_url: str, tmp_path: Path) -> None:
    attached = tmp_path / "other.db"

    def check(connection: object) -> bool:
        connection.exec_driver_sql(f"ATTACH DATABASE '{attached}' AS other")  # type: ignore[attr-defined]
        return LiveData(connection).holds_no_table()  # type: ignore[arg-type]

    assert not on_connection(sqlite_url, check)


def test_rows_in_another_schema_are_still_protected(postgres_url: str, scripts: Path) -> None:
    execute(
        postgres_url,
        "CREATE SCHEMA audit",
        "CREATE TABLE audit.kept (id INTEGER PRIMARY KEY)",
        "INSERT INTO audit.kept VALUES (1)",
    )
    dropping = only_revision(scripts, 'op.drop_table("kept", schema="audit")')

    with pytest.raises(DataLossRefusedError, match=r"drops table kept \(1 row"):
        asyncio.run(upgrade_database(database_url=postgres_url, script_location=dropping))
