"""Reading what a downgrade destroys from its offline SQL (PostgreSQL rendering), in statement order."""

from __future__ import annotations

from pathlib import Path

from alembic.script import ScriptDirectory

from app.infrastructure.database.migration.guard.estimate import find_losses, render
from app.infrastructure.database.migration.results import DataLoss
from tests.scripts_folder import INITIAL, NOTES, add_notes_revision


def test_drops_deletes_quoted_and_qualified_names_are_found() -> None:
    sql = "\n\n".join(
        [
            "ALTER TABLE listed_info DROP COLUMN isin;",
            'ALTER TABLE IF EXISTS public."Mixed Case" DROP COLUMN "Weird ""Col""", DROP COLUMN other;',
            "ALTER TABLE stocks DROP CONSTRAINT uq_stocks_ticker_symbol;",
            'DROP TABLE IF EXISTS audit.Events, "Notes";',
            "  TRUNCATE TABLE prices;",
            "DELETE FROM listed_info WHERE code = 'X';",
        ]
    )
    assert find_losses(sql) == [
        DataLoss("drop_column", "listed_info", "isin", None),
        DataLoss("drop_column", "public.Mixed Case", 'Weird "Col"', None),
        DataLoss("drop_column", "public.Mixed Case", "other", None),
        DataLoss("drop_table", "audit.events", None, None),
        DataLoss("drop_table", "Notes", None, None),
        DataLoss("delete_rows", "prices", None, None),
        DataLoss("delete_rows", "listed_info", None, None),
    ]


def test_columns_of_a_dropped_table_are_covered_by_the_table() -> None:
    sql = "ALTER TABLE notes DROP COLUMN body;\n\nDROP TABLE notes;\n\nDROP TABLE notes;\n"

    assert find_losses(sql) == [DataLoss("drop_table", "notes", None, None)]


def test_batch_drop_column_renders_as_a_plain_drop_for_postgresql(scripts: Path) -> None:
    directory = ScriptDirectory(str(add_notes_revision(scripts)))
    plan = list(directory.walk_revisions())  # NOTES, the project's revisions, down to INITIAL
    assert [script.revision for script in (plan[0], plan[-1])] == [NOTES, INITIAL]

    sql, failed = render(plan, "postgresql")

    assert failed == []
    assert f"-- downgrade {NOTES}: Test revision {NOTES}" in sql
    assert find_losses(sql) == [
        DataLoss("drop_table", "notes", None, None),
        DataLoss("drop_table", "stocks", None, None),
        DataLoss("drop_table", "prices", None, None),
        DataLoss("drop_table", "listed_info", None, None),
    ]


def test_a_downgrade_that_cannot_run_offline_is_named(scripts: Path) -> None:
    directory = ScriptDirectory(str(add_notes_revision(scripts)))

    _sql, failed = render([directory.get_revision(NOTES)], "sqlite")

    assert [revision for revision, _reason in failed] == [NOTES]
    assert "requires a live database connection" in failed[0][1]
