"""Broken inputs end in one clear line: a corrupt version table, a read-only database, a revision that raises, a busy
SQLite file, a missing privilege, a lost connection, a lock held on the version table.

Every case runs the installed console script, because the exit code is what scripts and CI see; each checks that
nothing was changed. A new command that reads or changes the database belongs in these lists.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from harness.commands import STOCKDATA
from harness.databases import open_transaction
from harness.queries import execute, scalar, version
from tests.cli.invocation import TRACEBACK, Outcome, assert_fails, assert_fails_verbose, in_process
from tests.helpers import reflect_schema, run
from tests.scripts_folder import INITIAL, NOTES, add_notes_revision, copy_scripts, line_of, project_head, write_revision

HEAD = project_head()

QUICK_RETRIES = {
    "MIGRATION_DDL_LOCK_TIMEOUT": "0.5",
    "MIGRATION_DDL_LOCK_RETRIES": "1",
    "MIGRATION_DDL_LOCK_RETRY_PAUSE": "0.2",
}
# Root ignores file permissions; without CAP_DAC_OVERRIDE it obeys them like any user (CI runners are not root).
UNPRIVILEGED = ("setpriv", "--bounding-set=-dac_override,-dac_read_search", "--") if os.geteuid() == 0 else ()


def migrate(url: str, scripts: Path, *args: str, prefix: tuple[str, ...] = (), **values: str) -> Outcome:
    """``stockdata migrate ARGS`` on ``url`` with ``scripts``, as a subprocess (``prefix`` runs it through another)."""
    env = {"DATABASE_URL": url, "MIGRATION_SCRIPT_LOCATION": str(scripts), **values}
    done = run([*prefix, STOCKDATA, "migrate", *args], env=env)
    return Outcome(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    """A scripts folder with NOTES on top of the project's head: INITIAL and NOTES are on one line of descent."""
    return add_notes_revision(copy_scripts(tmp_path))


# --- 5: a corrupt alembic_version ------------------------------------------------------------------------------

CORRUPTIONS = {
    "two rows on one line": (INITIAL, NOTES),
    "an empty id": (NOTES, ""),
    "garbage": ("drop table; --",),
}
READERS = (("status",), ("current",), ("check",), ("verify",), ("lint",), ("revision", "-m", "x"), ("adopt",))
WRITERS = (("upgrade",), ("downgrade", "-1", "--yes"))


@pytest.mark.parametrize("rows", CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
def test_a_corrupt_version_table_is_one_line_from_every_command(
    database_url: str, notes: Path, rows: tuple[str, ...]
) -> None:
    assert migrate(database_url, notes, "upgrade", "-q").exit_code == 0
    execute(database_url, "DELETE FROM alembic_version", *(f"INSERT INTO alembic_version VALUES ('{r}')" for r in rows))
    schema = reflect_schema(database_url)
    env = {"DATABASE_URL": database_url, "MIGRATION_SCRIPT_LOCATION": str(notes)}

    # In-process for speed; once as the console script, for the exit code.
    outcomes = [in_process(list(command), env) for command in READERS + WRITERS]
    outcomes.append(migrate(database_url, notes, "downgrade", "-1", "--yes"))
    for outcome in outcomes:
        assert_fails(outcome, 24, "the version table alembic_version is corrupt: ", "migrate stamp <revision>")
        assert "several heads" not in outcome.stderr
    assert sorted(version(database_url)) == sorted(rows)
    assert reflect_schema(database_url) == schema


def test_stamp_repairs_a_corrupt_version_table(database_url: str, notes: Path) -> None:
    assert migrate(database_url, notes, "upgrade", "-q").exit_code == 0
    execute(
        database_url, f"INSERT INTO alembic_version VALUES ('{INITIAL}')", "INSERT INTO alembic_version VALUES ('')"
    )

    repaired = migrate(database_url, notes, "stamp", NOTES)

    assert repaired.exit_code == 0, repaired.stderr
    assert version(database_url) == [NOTES]
    assert migrate(database_url, notes, "current").exit_code == 0


# --- 6 and 9: a read-only SQLite database ----------------------------------------------------------------------


@pytest.fixture
def read_only(sqlite_url: str, tmp_path: Path) -> Iterator[Path]:
    """A SQLite database at head whose file and folder are read-only, and which has no migration lock file yet."""
    scripts = copy_scripts(tmp_path)
    assert migrate(sqlite_url, scripts, "upgrade", "-q").exit_code == 0
    database = Path(make_url(sqlite_url).database or "")
    database.with_name(database.name + ".migration-lock").unlink()
    database.chmod(0o444)
    database.parent.chmod(0o555)
    yield scripts
    database.parent.chmod(0o755)


def test_a_read_only_database_with_nothing_to_do_says_so(sqlite_url: str, read_only: Path) -> None:
    for command in (("upgrade",), ("stamp", "head"), ("status",), ("check",)):
        outcome = migrate(sqlite_url, read_only, *command, prefix=UNPRIVILEGED)
        assert outcome.exit_code == 0, outcome.output
        assert TRACEBACK not in outcome.output
    assert "Nothing to do" in migrate(sqlite_url, read_only, "upgrade", prefix=UNPRIVILEGED).stdout


@pytest.mark.parametrize("command", [("downgrade", "-1", "--yes"), ("stamp", "base")])
def test_a_read_only_database_refuses_a_write_in_one_line(
    sqlite_url: str, read_only: Path, command: tuple[str, ...]
) -> None:
    database = make_url(sqlite_url).database
    outcome = migrate(sqlite_url, read_only, *command, prefix=UNPRIVILEGED)

    assert_fails(outcome, 22, f"the database file {database} is read-only for this user; nothing was changed")
    assert "Fix the revision" not in outcome.stderr
    assert_fails_verbose(migrate(sqlite_url, read_only, *command, "-v", prefix=UNPRIVILEGED), 22, "read-only")
    assert version(sqlite_url) == [HEAD]


def test_a_read_only_folder_is_named(sqlite_url: str, read_only: Path) -> None:
    database = Path(make_url(sqlite_url).database or "")
    database.chmod(0o644)  # the file may be written, but SQLite cannot create its journal beside it

    outcome = migrate(sqlite_url, read_only, "downgrade", "-1", "--yes", prefix=UNPRIVILEGED)

    assert_fails(outcome, 22, f"the folder {database.parent} of the database file is read-only for this user")
    assert version(sqlite_url) == [HEAD]


# --- 7: a revision raising a Python exception ------------------------------------------------------------------


def test_a_python_exception_in_a_revision_is_one_line_naming_file_and_line(database_url: str, tmp_path: Path) -> None:
    scripts = copy_scripts(tmp_path)
    path = write_revision(
        scripts,
        "boom01",
        down_revision=HEAD,
        upgrade="""
            op.create_table("t1", sa.Column("id", sa.Integer(), primary_key=True))
            raise ValueError("no price for 7203")
        """,
    )
    assert migrate(database_url, scripts, "upgrade", HEAD, "-q").exit_code == 0

    outcome = migrate(database_url, scripts, "upgrade")

    assert_fails(
        outcome,
        1,
        "revision boom01 (boom01) failed and was rolled back: ValueError: no price for 7203 ",
        f"({path}:{line_of(path, 'raise ValueError')})",
    )
    assert_fails_verbose(migrate(database_url, scripts, "upgrade", "-v"), 1, "ValueError: no price for 7203")
    assert version(database_url) == [HEAD]
    assert "t1" not in reflect_schema(database_url)


# --- 8: a busy SQLite file -------------------------------------------------------------------------------------


def test_a_busy_sqlite_file_is_retried_then_reported_as_busy(sqlite_url: str, notes: Path) -> None:
    assert migrate(sqlite_url, notes, "upgrade", HEAD, "-q").exit_code == 0
    writer = sqlite3.connect(make_url(sqlite_url).database or "", isolation_level=None)
    writer.execute("BEGIN EXCLUSIVE")  # another process's write transaction, past the point where readers wait
    try:
        outcome = migrate(sqlite_url, notes, "upgrade", **QUICK_RETRIES)
    finally:
        writer.rollback()
        writer.close()

    assert outcome.exit_code == 14, outcome.output
    assert "The migration was rolled back: busy_timeout (0.5 s) expired on " in outcome.stderr
    assert "retry 1 of 1 in 0.2 s." in outcome.stderr
    error = outcome.stderr.splitlines()[-1]
    assert error.startswith("Error: the migration was rolled back: the database file is busy")
    assert "MIGRATION_DDL_LOCK_TIMEOUT) on each of 2 attempts" in error
    assert version(sqlite_url) == [HEAD]
    assert migrate(sqlite_url, notes, "upgrade", "-q").exit_code == 0


# --- 9: a missing privilege, a lost connection (PostgreSQL) -----------------------------------------------------


@pytest.fixture
def unprivileged_url(postgres_url: str, postgres_server: str) -> Iterator[str]:
    """``postgres_url`` as a throwaway login role that may connect but not create anything in ``public``."""
    role = f"stockdata_noc_{uuid.uuid4().hex[:8]}"
    execute(postgres_server, f'CREATE ROLE "{role}" LOGIN')
    try:
        yield make_url(postgres_url).set(username=role, password=None).render_as_string(hide_password=False)
    finally:
        execute(postgres_server, f'DROP ROLE "{role}"')


def test_a_missing_privilege_is_not_blamed_on_the_revision(unprivileged_url: str, tmp_path: Path) -> None:
    role = make_url(unprivileged_url).username

    outcome = migrate(unprivileged_url, copy_scripts(tmp_path), "upgrade")

    assert_fails(outcome, 22, f"the database user '{role}' may not do this (permission denied for schema public)")
    assert "Fix the revision" not in outcome.stderr
    assert scalar(unprivileged_url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == 0


def test_a_connection_lost_during_a_revision_says_to_run_again(postgres_url: str, tmp_path: Path) -> None:
    scripts = copy_scripts(tmp_path)
    write_revision(
        scripts,
        "sleep01",
        down_revision=HEAD,
        upgrade="""
            op.create_table("t1", sa.Column("id", sa.Integer(), primary_key=True))
            if os.environ.get("TEST_SLEEP"):
                op.execute("SELECT pg_sleep(60)")
        """,
    )
    assert migrate(postgres_url, scripts, "upgrade", HEAD, "-q").exit_code == 0
    env = {**os.environ, "DATABASE_URL": postgres_url, "MIGRATION_SCRIPT_LOCATION": str(scripts), "TEST_SLEEP": "1"}
    process = subprocess.Popen(
        [STOCKDATA, "migrate", "upgrade"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    sleeping = "SELECT pid FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)' AND datname = current_database()"
    deadline = time.monotonic() + 30
    while (pid := scalar(postgres_url, sleeping)) is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert pid is not None, "the revision never reached pg_sleep"
    assert scalar(postgres_url, f"SELECT pg_terminate_backend({pid})") is True
    stdout, stderr = process.communicate(timeout=60)

    assert_fails(
        Outcome(process.returncode, stdout, stderr),
        23,
        f"the connection to PostgreSQL database '{make_url(postgres_url).database}' at ",
        "was lost during revision sleep01 (sleep01) (",
        "it was rolled back, so nothing of it remains: run the command again",
    )
    assert version(postgres_url) == [HEAD]
    assert "t1" not in reflect_schema(postgres_url)
    assert migrate(postgres_url, scripts, "upgrade", "-q").exit_code == 0
    assert version(postgres_url) == ["sleep01"]


# --- 13: a lock timeout outside a revision's own transaction ---------------------------------------------------


def test_a_lock_timeout_on_creating_the_version_table_is_retried_after_a_rollback(
    postgres_url: str, tmp_path: Path
) -> None:
    scripts = copy_scripts(tmp_path)
    env = {
        **os.environ,
        "DATABASE_URL": postgres_url,
        "MIGRATION_SCRIPT_LOCATION": str(scripts),
        **QUICK_RETRIES,
        "MIGRATION_DDL_LOCK_TIMEOUT": "1",
        "MIGRATION_DDL_LOCK_RETRY_PAUSE": "3",
    }
    stderr_path = tmp_path / "stderr"
    # Another session creating the same table: CREATE TABLE alembic_version waits for its transaction to end.
    with open_transaction(postgres_url, "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"):
        with stderr_path.open("w") as stderr:
            process = subprocess.Popen(
                [STOCKDATA, "migrate", "upgrade"], env=env, stdout=subprocess.PIPE, stderr=stderr
            )
        deadline = time.monotonic() + 30
        while "retry 1 of 1" not in stderr_path.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
    process.wait(timeout=60)
    errors = stderr_path.read_text()

    assert "lock_timeout (1 s) expired on CREATE TABLE alembic_version" in errors
    assert "current transaction is aborted" not in errors
    assert process.returncode == 0, errors
    assert version(postgres_url) == [HEAD]
