"""A PostgreSQL crash (kill -9 of the server) just after or during an upgrade.

Revisions commit without waiting for the disk, and the run waits once, before it releases the migration lock
(``run/commits.py``). So an upgrade that reported success survives a crash right after it; a crash during the run
loses only whole revisions at the end (each with its history row), and the next run applies them again. The server is
one of the tests' own, writing its WAL out only every 10 s, so that a crash loses every commit that did not wait.
"""

from __future__ import annotations

import os
import subprocess
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.infrastructure.database.migration.bookkeeping import HISTORY
from harness.commands import STOCKDATA
from harness.databases import create_postgres_database
from harness.queries import column, version
from tests.helpers import run, started
from tests.password_server import crash_and_restart, password_checking_server
from tests.passwords import PASSWORD
from tests.scripts_folder import HOLD_AT_GATE, copy_scripts, write_revision

REVISIONS = [f"d{index}" for index in range(1, 9)]
GATED = "d7"
"""Waits at the gate (``TEST_GATE``) before its table: the crash comes while it runs."""
LAZY_WAL_WRITER = ("wal_writer_delay=10000ms",)


@pytest.fixture(scope="module")
def crash_server() -> Iterator[str]:
    """A server of this module's own, which the tests crash; fails (never skips) under CI."""
    with started(
        password_checking_server(PASSWORD, settings=LAZY_WAL_WRITER), "the PostgreSQL server of the crash tests"
    ) as url:
        yield url


def _chain(tmp_path: Path) -> Path:
    scripts = copy_scripts(tmp_path, project_revisions=False)
    for index, revision in enumerate(REVISIONS):
        # Only online: the pre-flight runs every upgrade() offline first.
        hold = "if not op.get_context().as_sql:" + textwrap.indent(HOLD_AT_GATE, "    ") if revision == GATED else ""
        table = f"op.create_table('t_{revision}', sa.Column('id', sa.Integer, primary_key=True))"
        down = REVISIONS[index - 1] if index else None
        write_revision(scripts, revision, down_revision=down, upgrade=hold + table)
    return scripts


def _state(url: str) -> tuple[list[str], list[str], list[str]]:
    """The revision, the history rows and the revisions' tables, in the order of REVISIONS."""
    tables = column(url, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
    history = column(url, "SELECT revision FROM stockdata_migration_history") if HISTORY.name in tables else []
    created = [name.removeprefix("t_") for name in tables if name.startswith("t_")]
    return version(url), sorted(history), sorted(created)


def test_an_upgrade_that_reported_success_survives_a_crash_right_after(crash_server: str, tmp_path: Path) -> None:
    url = create_postgres_database(crash_server)
    env = {**os.environ, "DATABASE_URL": url, "MIGRATION_SCRIPT_LOCATION": str(_chain(tmp_path))}
    upgraded = run([STOCKDATA, "migrate", "upgrade"], env=env)
    assert upgraded.returncode == 0, upgraded.stderr

    crash_and_restart(crash_server)

    assert _state(url) == (["d8"], REVISIONS, REVISIONS), "what the upgrade reported done was not on disk"


def test_a_crash_during_an_upgrade_loses_only_whole_revisions_at_the_end(crash_server: str, tmp_path: Path) -> None:
    url = create_postgres_database(crash_server)
    gate = tmp_path / "gate"
    gate.mkdir()
    env = {**os.environ, "DATABASE_URL": url, "MIGRATION_SCRIPT_LOCATION": str(_chain(tmp_path))}
    migrator = subprocess.Popen(
        [STOCKDATA, "migrate", "upgrade"], env={**env, "TEST_GATE": str(gate)}, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while not any(gate.glob("inside-*")):
            assert time.monotonic() < deadline, "the upgrade never reached d7"
            assert migrator.poll() is None, "the upgrade ended before d7"
            time.sleep(0.05)
        assert version(url) == ["d6"]

        crash_and_restart(crash_server)
        (gate / "release").touch()
        assert migrator.wait(timeout=60) != 0, "the upgrade went on after the crash"
    finally:
        migrator.kill()

    current, history, tables = _state(url)
    kept = REVISIONS.index(current[0]) + 1 if current else 0
    assert kept <= 6
    assert history == REVISIONS[:kept], "every revision kept has its history row, and no other has one"
    assert tables == REVISIONS[:kept], "every revision kept has its table, and no other has one"

    again = run([STOCKDATA, "migrate", "upgrade"], env=env)
    assert again.returncode == 0, again.stderr
    assert _state(url) == (["d8"], REVISIONS, REVISIONS)
