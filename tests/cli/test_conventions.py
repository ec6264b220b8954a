"""Conventions users expect of a migration tool, tried as a careful user would: group options, ``merge``, and the
small edge cases (empty messages, older targets, empty scripts folders, mistyped paths, in-memory databases).

Each case runs on both backends where it applies, in-process and as the installed console script.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.core.config import get_settings
from app.presentation.cli.main import cli
from harness.commands import ALEMBIC, STOCKDATA
from harness.queries import scalar
from tests.cli.invocation import TRACEBACK, Migrate, Outcome, assert_fails
from tests.helpers import TABLES_AT_HEAD, reflect_schema, run
from tests.scripts_folder import BRANCHES, INITIAL, NOTES, add_branches, add_notes_revision, project_head

HEAD = project_head()
UNREACHABLE = "postgresql://nobody@127.0.0.1:1/none"


class Stockdata:
    """``stockdata ARGS`` (the root command, not only ``migrate``), in-process or as the console script."""

    def __init__(self, mode: str, workdir: Path) -> None:
        self.mode, self.workdir = mode, workdir

    def __call__(self, *args: str, env: Mapping[str, str] | None = None) -> Outcome:
        if self.mode == "in-process":
            get_settings.cache_clear()
            try:
                result = CliRunner().invoke(cli, list(args), env=dict(env or {}), prog_name="stockdata")
            finally:
                get_settings.cache_clear()
            return Outcome(result.exit_code, result.stdout, result.stderr)
        completed = run([STOCKDATA, *args], env=env, cwd=self.workdir)
        return Outcome(completed.returncode, completed.stdout, completed.stderr)


@pytest.fixture(params=["in-process", "console-script"])
def stockdata(request: pytest.FixtureRequest, tmp_path: Path) -> Stockdata:
    """The root ``stockdata`` command, each way in turn."""
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    return Stockdata(request.param, workdir)


def ok(outcome: Outcome) -> Outcome:
    assert outcome.exit_code == 0, outcome.output
    return outcome


def sqlite_file(url: str) -> Path:
    return Path(url.split(":///", 1)[1])


# --- 14: the common options before the subcommand ------------------------------------------------------------------


def test_common_options_are_accepted_before_the_subcommand(stockdata: Stockdata, database_url: str) -> None:
    upgraded = ok(stockdata("migrate", "--database-url", database_url, "-q", "upgrade"))
    current = ok(stockdata("--database-url", database_url, "migrate", "current"))
    quiet = ok(stockdata("-q", "--database-url", database_url, "migrate", "upgrade"))

    assert upgraded.output == ""
    assert current.stdout == f"{HEAD} (head): up to date.\n"
    assert quiet.output == ""
    assert set(reflect_schema(database_url)) == TABLES_AT_HEAD


def test_verbose_before_the_subcommand_shows_the_traceback(stockdata: Stockdata) -> None:
    for args in (("migrate", "-v", "current"), ("-v", "migrate", "current")):
        outcome = stockdata(*args, env={"DATABASE_URL": UNREACHABLE})

        assert outcome.exit_code == 4, outcome.output
        if stockdata.mode == "console-script":  # CliRunner captures the traceback as the exception instead
            assert TRACEBACK in outcome.stderr
        assert outcome.stderr.splitlines()[-1].startswith("Error: cannot connect")


def test_the_subcommands_database_url_wins_over_the_groups(stockdata: Stockdata, tmp_path: Path) -> None:
    given_to_group, given_to_command = tmp_path / "group.db", tmp_path / "command.db"

    ok(
        stockdata(
            "--database-url", f"sqlite:///{given_to_group}", "migrate", "upgrade", "-q",
            "--database-url", f"sqlite:///{given_to_command}",
        )
    )  # fmt: skip

    assert scalar(f"sqlite:///{given_to_command}", "SELECT version_num FROM alembic_version") == HEAD
    assert not given_to_group.exists()


@pytest.mark.parametrize("group", [(), ("migrate",)])
def test_each_groups_help_lists_the_common_options(group: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*group, "--help"], prog_name="stockdata")

    assert result.exit_code == 0, result.output
    options = result.output.split("Options:", 1)[1]
    for option in ("--database-url URL", "-v, --verbose", "-q, --quiet"):
        assert option in options


# --- 15: merge -----------------------------------------------------------------------------------------------------


def test_two_branches_are_merged_then_upgraded_and_checked_clean(
    migrate: Migrate, database_url: str, scripts: Path, scripts_env: dict[str, str]
) -> None:
    add_branches(scripts)
    several = f'several heads ({", ".join(BRANCHES)}); merge them with `stockdata migrate merge -m "merge heads"`'
    assert_fails(migrate("check", "--database-url", database_url, env=scripts_env), 7, several)
    assert_fails(migrate("upgrade", "--database-url", database_url, env=scripts_env), 7, several)
    assert "alembic_version" not in reflect_schema(database_url)

    merged = ok(migrate("merge", "-m", "merge heads", env=scripts_env))
    upgraded = ok(migrate("upgrade", "-q", "--database-url", database_url, env=scripts_env))
    checked = ok(migrate("check", "--database-url", database_url, env=scripts_env))

    (written,) = (scripts / "versions").glob("*_merge_heads.py")
    assert merged.stdout == f"Wrote {written}. Commit it, then run `stockdata migrate upgrade`.\n"
    text = written.read_text()
    assert f"down_revision: str | Sequence[str] | None = {BRANCHES!r}".replace("'", '"') in text
    assert "from __future__ import annotations" in text  # written from the project's template, ruff-formatted
    assert upgraded.output == ""
    assert checked.stdout == "OK: no pending revisions, and the models match the database.\n"
    merge_id = text.split('revision: str = "', 1)[1].split('"', 1)[0]
    assert scalar(database_url, "SELECT version_num FROM alembic_version") == merge_id


def test_merge_of_named_revisions_and_of_a_single_head(
    migrate: Migrate, scripts: Path, scripts_env: dict[str, str]
) -> None:
    assert_fails(migrate("merge", "-m", "nothing", env=scripts_env), 11, f"nothing to merge: {HEAD} is a single head")
    add_branches(scripts)

    assert_fails(migrate("merge", "aaaa", "-m", "x", env=scripts_env), 6, "Multiple revisions start with 'aaaa'")
    ok(migrate("merge", *BRANCHES, "-m", "join the branches", env=scripts_env))

    assert len(list((scripts / "versions").glob("*_join_the_branches.py"))) == 1
    assert_fails(migrate("merge", "-m", "again", env=scripts_env), 11, "is a single head")


# --- 17: plain alembic follows MIGRATION_SCRIPT_LOCATION ------------------------------------------------------------


def test_plain_alembic_uses_the_scripts_folder_of_migration_script_location(database_url: str, scripts: Path) -> None:
    env = {"MIGRATION_SCRIPT_LOCATION": str(add_notes_revision(scripts))}

    upgraded = run([ALEMBIC, "upgrade", "head"], database_url=database_url, env=env)
    current = run([ALEMBIC, "current"], database_url=database_url, env=env)
    down = run([ALEMBIC, "downgrade", "-1"], database_url=database_url, env=env)

    assert upgraded.returncode == 0, upgraded.stderr
    assert f"{NOTES} (head)" in current.stdout, current.stderr
    assert down.returncode == 0, down.stderr
    assert scalar(database_url, "SELECT version_num FROM alembic_version") == INITIAL
    assert "notes" not in reflect_schema(database_url)
