"""The plain ``alembic`` command line works on both backends, with the URL taken from settings."""

from __future__ import annotations

from app.infrastructure.database.migration import show_history
from harness.commands import ALEMBIC
from harness.queries import scalar
from tests.helpers import TABLES_AT_BASE, TABLES_AT_HEAD, reflect_schema, run


def head_revision() -> str:
    import asyncio

    return asyncio.run(show_history())[-1].revision


def test_upgrade_current_check_and_history(database_url: str) -> None:
    upgraded = run([ALEMBIC, "upgrade", "head"], database_url=database_url)
    assert upgraded.returncode == 0, upgraded.stderr
    assert set(reflect_schema(database_url)) == TABLES_AT_HEAD

    current = run([ALEMBIC, "current"], database_url=database_url)
    assert current.returncode == 0, current.stderr
    assert f"{head_revision()} (head)" in current.stdout

    check = run([ALEMBIC, "check"], database_url=database_url)
    assert check.returncode == 0, check.stderr
    assert "No new upgrade operations detected" in check.stdout

    history = run([ALEMBIC, "history"], database_url=database_url)
    assert history.returncode == 0, history.stderr
    assert "Initial migration" in history.stdout


def test_downgrade_one_step_and_to_base_leaves_only_the_version_table(database_url: str) -> None:
    assert run([ALEMBIC, "upgrade", "head"], database_url=database_url).returncode == 0

    one_step = run([ALEMBIC, "downgrade", "-1"], database_url=database_url)
    assert one_step.returncode == 0, one_step.stderr
    to_base = run([ALEMBIC, "downgrade", "base"], database_url=database_url)
    assert to_base.returncode == 0, to_base.stderr

    assert set(reflect_schema(database_url)) == TABLES_AT_BASE
    assert scalar(database_url, "SELECT count(*) FROM alembic_version") == 0
    assert scalar(database_url, "SELECT count(*) FROM stockdata_migration_history") == 0


def test_offline_sql_renders_ddl_without_touching_the_database(database_url: str) -> None:
    offline = run([ALEMBIC, "upgrade", "head", "--sql"], database_url=database_url)

    assert offline.returncode == 0, offline.stderr
    assert "CREATE TABLE listed_info" in offline.stdout
    assert "CREATE INDEX idx_listed_info_code ON listed_info (code)" in offline.stdout
    assert reflect_schema(database_url) == {}


def test_x_url_overrides_settings(database_url: str, sqlite_url: str) -> None:
    upgraded = run(
        [ALEMBIC, "-x", f"url={database_url}", "upgrade", "head"], database_url="sqlite:///nonexistent/dir/x.db"
    )

    assert upgraded.returncode == 0, upgraded.stderr
    assert set(reflect_schema(database_url)) == TABLES_AT_HEAD


def test_logging_format_names_level_and_logger(sqlite_url: str) -> None:
    upgraded = run([ALEMBIC, "upgrade", "head"], database_url=sqlite_url)

    assert "INFO  [alembic.runtime.migration] Running upgrade  -> " in upgraded.stderr
