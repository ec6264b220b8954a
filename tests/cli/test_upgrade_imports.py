"""What ``stockdata migrate upgrade`` imports: an empty database (a first deploy) or one with a revision has nothing
to adopt and nothing to compare with the models, so the upgrade imports neither the adoption machinery nor the
models; a database without a table, or a run without a revision to apply, has no row to pre-flight; and only the
upgrade's own command module is loaded. (What this saves is measured in benchmarks/, never here.)"""

from __future__ import annotations

from pathlib import Path

from harness.queries import execute
from tests.cli.test_read_only_imports import MIGRATION, imported
from tests.scripts_folder import project_head

ADOPTION = f"{MIGRATION}.adopt.adoption"
PREFLIGHT = f"{MIGRATION}.guard.preflight"
COMMANDS = "app.presentation.cli.commands"
MODELS = "app.infrastructure.database.models"


def test_an_upgrade_from_empty_and_at_head_imports_neither_adoption_nor_the_models(
    database_url: str, scripts: Path
) -> None:
    env = {"DATABASE_URL": database_url, "MIGRATION_SCRIPT_LOCATION": str(scripts)}

    from_empty, stdout = imported("migrate", "upgrade", env=env)
    at_head, again = imported("migrate", "upgrade", env=env)

    assert f"Upgraded base → {project_head()}" in stdout
    assert f"Nothing to do: the database is already at {project_head()}." in again
    for modules in (from_empty, at_head):
        assert f"{MIGRATION}.run.runner" in modules  # the upgrade did run
        assert ADOPTION not in modules
        assert PREFLIGHT not in modules
        assert not [name for name in modules if name == MODELS or name.startswith(f"{MODELS}.")]
        assert {name for name in modules if name.startswith(f"{COMMANDS}.")} == {
            f"{COMMANDS}.migration_command",
            f"{COMMANDS}.run_commands",
        }
        assert "mako.exceptions" in modules  # Alembic's, as always
        assert "pygments" not in modules  # installed here (pytest's), but not loaded for Mako's HTML error pages


def test_a_database_without_a_revision_but_with_tables_is_still_checked_by_adoption(
    database_url: str, scripts: Path
) -> None:
    execute(database_url, "CREATE TABLE notes_of_another_app (id INTEGER PRIMARY KEY)")
    env = {"DATABASE_URL": database_url, "MIGRATION_SCRIPT_LOCATION": str(scripts)}

    modules, stdout = imported("migrate", "upgrade", env=env)

    assert ADOPTION in modules
    assert PREFLIGHT in modules  # a table is there: the pre-flight analyses the run
    assert f"Upgraded base → {project_head()}" in stdout
