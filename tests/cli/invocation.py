"""Running ``stockdata migrate`` in-process (click's CliRunner) or as the installed console script, alike."""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from click.testing import CliRunner

from app.core.config import get_settings
from app.presentation.cli.main import cli
from harness.commands import STOCKDATA
from harness.queries import scalar
from tests.helpers import reflect_schema, run

TRACEBACK = "Traceback (most recent call last)"


@dataclass(frozen=True)
class Outcome:
    """What a command printed and how it exited."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """Everything printed, stdout then stderr."""
        return self.stdout + self.stderr


class Migrate(Protocol):
    """``migrate("upgrade", "--database-url", url)`` runs ``stockdata migrate upgrade --database-url URL``."""

    def __call__(self, *args: str, env: Mapping[str, str] | None = None) -> Outcome: ...


def in_process(args: list[str], env: Mapping[str, str] | None) -> Outcome:
    """Run through click's CliRunner; an unexpected exception is reported as a traceback on stderr."""
    get_settings.cache_clear()  # settings are read once per process; ``env`` may change them
    try:
        result = CliRunner().invoke(cli, ["migrate", *args], env=dict(env or {}), prog_name="stockdata")
    finally:
        get_settings.cache_clear()
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(result.exception))
    return Outcome(result.exit_code, result.stdout, stderr)


def console_script(args: list[str], env: Mapping[str, str] | None, cwd: Path) -> Outcome:
    """Run the installed ``stockdata`` script in a subprocess."""
    completed = run([STOCKDATA, "migrate", *args], env=env, cwd=cwd)
    return Outcome(completed.returncode, completed.stdout, completed.stderr)


def assert_fails(outcome: Outcome, exit_code: int, *fragments: str) -> None:
    """The command failed with ``exit_code`` and one ``Error:`` line holding every fragment, and no traceback."""
    assert outcome.exit_code == exit_code, outcome.output
    lines = outcome.stderr.splitlines()
    assert len(lines) == 1, outcome.stderr
    assert lines[0].startswith("Error: "), outcome.stderr
    for fragment in fragments:
        assert fragment in lines[0]
    assert TRACEBACK not in outcome.output


def assert_fails_verbose(outcome: Outcome, exit_code: int, *fragments: str) -> None:
    """With ``-v``: the same exit code, a traceback, and the same one-line error at the end."""
    assert outcome.exit_code == exit_code, outcome.output
    assert TRACEBACK in outcome.stderr
    last = outcome.stderr.splitlines()[-1]
    assert last.startswith("Error: ")
    for fragment in fragments:
        assert fragment in last


def fails(
    migrate: Migrate, *args: str, code: int, fragments: tuple[str, ...], env: Mapping[str, str] | None = None
) -> None:
    """Run ``args`` without and with ``-v``: one line and no traceback, then a traceback; same exit code."""
    assert_fails(migrate(*args, env=env), code, *fragments)
    assert_fails_verbose(migrate(*args, "-v", env=env), code, *fragments)


def upgraded(migrate: Migrate, url: str, *args: str, env: Mapping[str, str] | None = None) -> None:
    """Run ``upgrade ARGS -q`` on ``url``, which must succeed."""
    outcome = migrate("upgrade", *args, "-q", "--database-url", url, env=env)
    assert outcome.exit_code == 0, outcome.output


def database_state(url: str) -> tuple[dict[str, Any], Any, Any]:
    """The schema of the database at ``url`` and the lowest and highest revision in its ``alembic_version``."""
    schema = reflect_schema(url)
    if "alembic_version" not in schema:
        return schema, None, None
    lowest = scalar(url, "SELECT min(version_num) FROM alembic_version")
    highest = scalar(url, "SELECT max(version_num) FROM alembic_version")
    return schema, lowest, highest
