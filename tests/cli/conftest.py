"""Fixtures of the CLI tier: every command runs in-process and as the installed console script."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.cli.invocation import Migrate, Outcome, console_script, in_process


@pytest.fixture(params=["in-process", "console-script"])
def migrate(request: pytest.FixtureRequest, tmp_path: Path) -> Migrate:
    """``stockdata migrate …`` through click's CliRunner, then through the console script run from a scratch folder."""
    workdir = tmp_path / "cwd"
    workdir.mkdir()

    def invoke(*args: str, env: Mapping[str, str] | None = None) -> Outcome:
        if request.param == "in-process":
            return in_process(list(args), env)
        return console_script(list(args), env, workdir)

    return invoke


@pytest.fixture
def scripts_env(scripts: Path) -> dict[str, str]:
    """The environment that points the CLI at the ``scripts`` copy."""
    return {"MIGRATION_SCRIPT_LOCATION": str(scripts)}
