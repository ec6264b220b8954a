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
from harness.queries import execute, scalar
from tests.cli.invocation import TRACEBACK, Migrate, Outcome, assert_fails
from tests.helpers import TABLES_AT_HEAD, reflect_schema, run
from tests.scripts_folder import BRANCHES, INITIAL, NOTES, add_branches, add_notes_revision, copy_scripts, project_head

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
    assert scalar(database_url, "SELECT version_num FROM alembic_version") == HEAD
    assert "notes" not in reflect_schema(database_url)


# --- 17: small ones, each decided as a careful user expects ---------------------------------------------------------


@pytest.mark.parametrize("message", ["", "   "])
def test_a_blank_message_is_a_usage_error_and_writes_nothing(
    migrate: Migrate, message: str, scripts: Path, scripts_env: dict[str, str]
) -> None:
    before = sorted((scripts / "versions").iterdir())
    add_branches(scripts)
    with_branches = sorted((scripts / "versions").iterdir())

    for command in (("revision", "--empty"), ("merge",)):
        outcome = migrate(*command, "-m", message, env=scripts_env)

        assert outcome.exit_code == 2, outcome.output
        assert "Error: Invalid value for '-m' / '--message': say what the revision does" in outcome.stderr
    assert sorted((scripts / "versions").iterdir()) == with_branches != before


def test_upgrade_to_an_older_revision_says_the_database_is_past_it(
    migrate: Migrate, database_url: str, notes_scripts: Path
) -> None:
    ok(migrate("upgrade", "-q", "--database-url", database_url))

    outcome = ok(migrate("upgrade", INITIAL, "--database-url", database_url))

    assert outcome.stdout == (
        f"Note: the database is at {NOTES}, already past {INITIAL}; upgrade never goes down (to go back to "
        f"{INITIAL}, run `stockdata migrate downgrade {INITIAL}`)\n"
        f"Nothing to do: the database is already at {NOTES}.\n"
    )
    assert scalar(database_url, "SELECT version_num FROM alembic_version") == NOTES


def test_an_empty_versions_folder_says_there_are_no_revisions_yet(
    migrate: Migrate, database_url: str, tmp_path: Path
) -> None:
    empty = copy_scripts(tmp_path / "empty", project_revisions=False)
    env = {"MIGRATION_SCRIPT_LOCATION": str(empty)}

    for command in ("upgrade", "adopt"):
        assert_fails(
            migrate(command, "--database-url", database_url, env=env),
            8,
            f"the migration scripts have no revisions yet ({empty / 'versions'} is empty); write the first with "
            '`stockdata migrate revision -m "initial schema"`',
        )
    assert reflect_schema(database_url) == {}


READ_ONLY = [["current"], ["status"], ["check"], ["verify"], ["lint"], ["downgrade", "--dry-run"], ["downgrade", "-y"]]


@pytest.mark.parametrize("command", READ_ONLY, ids=" ".join)
def test_a_mistyped_sqlite_path_is_refused_and_nothing_is_created(
    migrate: Migrate, command: list[str], tmp_path: Path
) -> None:
    typo = tmp_path / "dta" / "stockdata.db"

    assert_fails(
        migrate(*command, "--database-url", f"sqlite:///{typo}"),
        4,
        f"the SQLite file {typo} does not exist; check DATABASE_URL or --database-url, or run "
        "`stockdata migrate upgrade` to create the database.",
    )
    assert not typo.parent.exists()


def test_upgrade_creates_a_new_sqlite_file_and_its_folder(migrate: Migrate, tmp_path: Path) -> None:
    new = tmp_path / "new" / "stockdata.db"

    ok(migrate("upgrade", "-q", "--database-url", f"sqlite:///{new}"))

    assert scalar(f"sqlite:///{new}", "SELECT version_num FROM alembic_version") == HEAD


@pytest.mark.parametrize("url", ["sqlite:///:memory:", "sqlite+aiosqlite:///file:db?mode=memory&uri=true"])
def test_an_in_memory_sqlite_database_is_refused(migrate: Migrate, url: str) -> None:
    for command in (("upgrade",), ("current",), ("mark-environment", "test")):
        assert_fails(
            migrate(*command, "--database-url", url),
            3,
            "the database URL names an in-memory SQLite database, which disappears with each command's connection",
        )


def test_a_range_with_an_empty_side_is_refused_on_either_end(migrate: Migrate) -> None:
    for empty_side in (":head", "head:", ":"):
        assert_fails(migrate("sql", empty_side), 2, f"{empty_side!r} is not a revision range")
    assert "CREATE TABLE listed_info" in ok(migrate("sql", "head")).stdout
    assert ok(migrate("sql", "base:head")).stdout == ok(migrate("sql", "head")).stdout


def test_verify_refuses_an_unknown_revision_like_every_command(migrate: Migrate, database_url: str) -> None:
    ok(migrate("upgrade", "-q", "--database-url", database_url))
    execute(database_url, "UPDATE alembic_version SET version_num = 'fedcba987654'")

    for args in (("verify",), ("verify", "--json")):
        assert_fails(
            migrate(*args, "--database-url", database_url),
            5,
            "the database is at revision fedcba987654, which this code does not have",
        )


def test_a_dry_run_downgrade_at_base_says_nothing_to_do(migrate: Migrate, database_url: str) -> None:
    outcome = ok(migrate("downgrade", "--dry-run", "--database-url", database_url))

    assert outcome.output == "Nothing to do: the database is already at base.\n"


def test_make_migrate_installs_the_runtime_only_and_make_test_the_dev_tools(tmp_path: Path) -> None:
    fresh = tmp_path / "venv"

    migrate_plan = run(["make", "-n", "migrate", f"VENV={fresh}"])
    test_plan = run(["make", "-n", "test", f"VENV={fresh}"])

    assert migrate_plan.returncode == 0 == test_plan.returncode, migrate_plan.stderr + test_plan.stderr
    assert f"{fresh}/bin/python -m pip install --quiet -e .\n" in migrate_plan.stdout
    assert "[dev]" not in migrate_plan.stdout
    assert f"{fresh}/bin/python -m pip install --quiet -e '.[dev]'\n" in test_plan.stdout
