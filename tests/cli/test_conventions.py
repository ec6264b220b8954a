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
from harness.commands import STOCKDATA
from harness.queries import scalar
from tests.cli.invocation import TRACEBACK, Migrate, Outcome, assert_fails
from tests.helpers import TABLES_AT_HEAD, reflect_schema, run
from tests.scripts_folder import project_head

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
