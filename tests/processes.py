"""Real ``stockdata migrate`` (or ``alembic``) processes for the end-to-end tests: run to the end, or started in the
background so that a test can line them up (at a ``TEST_GATE``, behind the migration lock) and watch their output."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app import PROJECT_ROOT
from harness.commands import STOCKDATA
from tests.helpers import run


@dataclass
class Process:
    """A ``stockdata migrate`` process running in the background, its output going to files."""

    popen: subprocess.Popen[str]
    stdout: Path
    stderr: Path

    def errors(self) -> str:
        return self.stderr.read_text()

    def finish(self) -> subprocess.CompletedProcess[str]:
        self.popen.wait(timeout=120)
        return subprocess.CompletedProcess(
            self.popen.args, self.popen.returncode, self.stdout.read_text(), self.errors()
        )


def settings(url: str, scripts: Path, **values: str) -> dict[str, str]:
    """The environment of a migrating process: its database, scripts folder and ``MIGRATION_*`` settings."""
    return {"DATABASE_URL": url, "MIGRATION_SCRIPT_LOCATION": str(scripts), "PYTHONDONTWRITEBYTECODE": "1", **values}


def migrate(url: str, scripts: Path, *args: str, **values: str) -> subprocess.CompletedProcess[str]:
    """Run ``stockdata migrate ARGS`` to its end."""
    return run([STOCKDATA, "migrate", *args], env=settings(url, scripts, **values))


def start(
    url: str,
    scripts: Path,
    logs: Path,
    *args: str,
    program: tuple[str, ...] = (str(STOCKDATA), "migrate"),
    **values: str,
) -> Process:
    """Start ``stockdata migrate ARGS`` (or ``program ARGS``) in the background."""
    stdout, stderr = logs.with_suffix(".out"), logs.with_suffix(".err")
    with stdout.open("w") as out, stderr.open("w") as err:
        popen = subprocess.Popen(
            [*program, *args],
            cwd=PROJECT_ROOT,
            env={**os.environ, **settings(url, scripts, **values)},
            stdout=out,
            stderr=err,
            text=True,
        )
    return Process(popen, stdout, stderr)


def wait_for(condition: Callable[[], bool], processes: list[Process], what: str) -> None:
    """Wait (a minute at most) until ``condition`` holds, failing at once if one of ``processes`` ends meanwhile."""
    deadline = time.monotonic() + 60
    while not condition():
        ended = [process.finish() for process in processes if process.popen.poll() is not None]
        assert not ended, f"a process ended while waiting for {what}: {ended}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
