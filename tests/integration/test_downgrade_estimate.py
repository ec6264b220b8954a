"""Guarded downgrades: the estimate of what a downgrade destroys counts the rows really there, and --dry-run and
an unconfirmed downgrade change nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from app.infrastructure.database.migration import preview_downgrade, upgrade_database
from app.infrastructure.database.migration.results import DataLoss
from harness.queries import execute, scalar
from tests.helpers import invoke, reflect_schema
from tests.scripts_folder import NOTES, project_revision_count

VERSION = "SELECT version_num FROM alembic_version"


@pytest.fixture
def filled(database_url: str, notes_scripts: Path) -> str:
    """A database at NOTES with 3 notes, 3 stocks (2 with an isin) and 1 price."""
    asyncio.run(upgrade_database(database_url=database_url, script_location=notes_scripts))
    execute(
        database_url,
        "INSERT INTO notes (id, body) VALUES (1, 'a'), (2, 'b'), (3, 'c')",
        "INSERT INTO stocks (id, ticker_symbol, company_name, market, isin) VALUES "
        "(1, '7203', 'Toyota', 'Prime', 'JP3633400001'), (2, '6758', 'Sony', 'Prime', 'JP3435000009'), "
        "(3, '9999', 'Other', 'Growth', NULL)",
        "INSERT INTO prices (id, ticker_symbol, timestamp, open, high, low, close, volume) VALUES "
        "(1, '7203', '2026-01-05 00:00:00', 1, 2, 0.5, 1.5, 100)",
    )
    return database_url


def test_estimate_counts_the_rows_each_drop_destroys(filled: str, notes_scripts: Path) -> None:
    one_step = asyncio.run(preview_downgrade(database_url=filled, script_location=notes_scripts))
    assert [info.revision for info in one_step.revisions] == [NOTES]
    assert one_step.losses == (
        DataLoss("drop_column", "stocks", "isin", 2),
        DataLoss("drop_table", "notes", None, 3),
    )

    to_base = asyncio.run(preview_downgrade("base", database_url=filled, script_location=notes_scripts))
    assert to_base.losses == (
        DataLoss("drop_table", "notes", None, 3),
        DataLoss("drop_table", "stocks", None, 3),
        DataLoss("drop_table", "prices", None, 1),
        DataLoss("drop_table", "listed_info", None, 0),
    )


def test_dry_run_prints_sql_and_estimate_and_changes_nothing(filled: str) -> None:
    schema = reflect_schema(filled)

    dry = invoke(["migrate", "downgrade", "--dry-run"], database_url=filled)

    assert dry.exit_code == 0, dry.stderr
    assert "ALTER TABLE stocks DROP COLUMN isin" in dry.stdout
    assert "DROP TABLE notes" in dry.stdout
    assert "drop column stocks.isin (2 non-null values)" in dry.stdout
    assert "drop table notes (3 rows)" in dry.stdout
    assert "Dry run: nothing was changed." in dry.stdout
    if filled.startswith("sqlite"):
        assert "the SQL shown is PostgreSQL's" in dry.stdout
    assert reflect_schema(filled) == schema
    assert scalar(filled, VERSION) == NOTES
    assert scalar(filled, "SELECT count(*) FROM notes") == 3


def test_unconfirmed_downgrade_without_a_terminal_shows_the_estimate_and_changes_nothing(filled: str) -> None:
    refused = invoke(["migrate", "downgrade"], database_url=filled)

    assert refused.exit_code == 12, refused.stderr
    assert "drop table notes (3 rows)" in refused.stderr
    assert "Re-run with --yes" in refused.stderr
    assert scalar(filled, VERSION) == NOTES
    assert scalar(filled, "SELECT count(*) FROM stockdata_migration_history") == project_revision_count() + 1
