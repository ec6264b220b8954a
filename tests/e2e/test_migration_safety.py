"""Safe under concurrency and failure, proven with real ``stockdata`` processes on real databases.

Each test runs the installed console script on a throwaway scripts folder (``MIGRATION_SCRIPT_LOCATION``) whose
revisions do real work and record themselves in a ``ledger`` table; a revision can hold its process at a gate
(``TEST_GATE``) so that the test can line other processes up behind it, or kill it there.
"""

from __future__ import annotations

import os
import signal
import textwrap
import time
from pathlib import Path

from harness.commands import ALEMBIC
from harness.databases import open_transaction
from harness.queries import column, version
from tests.helpers import reflect_schema
from tests.processes import migrate, start, wait_for
from tests.scripts_folder import HOLD_AT_GATE, LEDGER, copy_scripts, project_head, revision_file, write_revision


def ledger(url: str) -> list[str]:
    return column(url, "SELECT revision FROM ledger ORDER BY revision")


def three_revisions(root: Path, first: str = "") -> Path:
    """r1 (creates the ledger, then runs ``first``), r2 and r3: each creates a table and an index, and signs."""
    scripts = copy_scripts(root, project_revisions=False)
    for number, down in ((1, None), (2, "r1"), (3, "r2")):
        body = [LEDGER] if number == 1 else []
        body += [
            f"op.create_table('t{number}', sa.Column('id', sa.Integer, primary_key=True), sa.Column('note', sa.Text))",
            f"op.create_index('ix_t{number}_note', 't{number}', ['note'])",
            f"op.execute(\"INSERT INTO ledger (revision) VALUES ('r{number}')\")",
        ]
        upgrade = "\n".join(body) + "\n" + (first if number == 1 else "")
        write_revision(scripts, f"r{number}", down_revision=down, upgrade=upgrade)
    return scripts


def test_four_processes_upgrading_a_fresh_database_run_every_revision_once(database_url: str, tmp_path: Path) -> None:
    scripts = three_revisions(tmp_path, HOLD_AT_GATE)
    gate = tmp_path / "gate"
    gate.mkdir()

    started = time.monotonic()
    processes = [start(database_url, scripts, tmp_path / f"p{i}", "upgrade", TEST_GATE=str(gate)) for i in range(4)]
    # One process is inside r1, holding the lock; the test lets it go on once the three others queue behind it.
    wait_for(
        lambda: sum("Waiting up to 300 s for the migration lock" in p.errors() for p in processes) == 3,
        processes,
        "three processes waiting for the migration lock",
    )
    (gate / "release").touch()
    results = [process.finish() for process in processes]
    elapsed = time.monotonic() - started

    output = "".join(result.stdout + result.stderr for result in results)
    assert [result.returncode for result in results] == [0, 0, 0, 0], output
    assert "already exists" not in output
    assert len(list(gate.glob("inside-*"))) == 1, "r1 was entered more than once"
    assert sum("Upgraded base → r3: 3 revisions" in result.stdout for result in results) == 1, output
    assert sum("Nothing to do: the database is already at r3." in result.stdout for result in results) == 3, output
    assert sum("Got the migration lock after" in result.stderr for result in results) == 3, output
    assert version(database_url) == ["r3"]
    assert ledger(database_url) == ["r1", "r2", "r3"]
    assert elapsed < 90


def test_a_failing_revision_leaves_the_previous_revision_and_none_of_its_objects(
    database_url: str, tmp_path: Path
) -> None:
    scripts = three_revisions(tmp_path)
    revision_file(scripts, "r3").unlink()
    broken = """
        op.create_table("t_new", sa.Column("id", sa.Integer, primary_key=True))
        op.create_index("ix_t1_note_r2", "t1", ["note"])
        op.execute("INSERT INTO ledger (revision) VALUES ('r2')")
        op.execute("INSERT INTO no_such_table VALUES (1)")
    """
    write_revision(scripts, "r2", down_revision="r1", upgrade=broken, message="add t_new")
    before = reflect_schema(database_url)

    failed = migrate(database_url, scripts, "upgrade")

    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "Error: revision r2 (add t_new) failed and was rolled back:" in failed.stderr
    assert "Statement: INSERT INTO no_such_table VALUES (1)." in failed.stderr
    assert "Traceback" not in failed.stderr
    assert version(database_url) == ["r1"]
    assert ledger(database_url) == ["r1"]
    schema = reflect_schema(database_url)
    assert "t_new" not in schema
    assert [index[0] for index in schema["t1"]["indexes"]] == ["ix_t1_note"], "no stray index from r2"
    assert before == {}, "the database started empty"

    fixed_revision = broken.replace('op.execute("INSERT INTO no_such_table VALUES (1)")', "")
    write_revision(scripts, "r2", down_revision="r1", upgrade=fixed_revision)
    fixed = migrate(database_url, scripts, "upgrade")

    assert fixed.returncode == 0, fixed.stderr
    assert version(database_url) == ["r2"]
    assert ledger(database_url) == ["r1", "r2"]
    assert "t_new" in reflect_schema(database_url)


def test_kill_9_during_a_revision_releases_the_lock_and_leaves_a_consistent_database(
    database_url: str, tmp_path: Path
) -> None:
    scripts = three_revisions(tmp_path)
    # r2 sleeps inside its transaction: on PostgreSQL in the server (a long statement), on SQLite in Python.
    sleeping = textwrap.dedent("""
        op.execute("INSERT INTO ledger (revision) VALUES ('r2')")
        gate = os.environ.get("TEST_GATE")
        if gate:
            Path(gate, "inside").touch()
            if op.get_context().dialect.name == "postgresql":
                op.execute("SELECT pg_sleep(60)")
            else:
                time.sleep(60)
    """)
    write_revision(scripts, "r2", down_revision="r1", upgrade=sleeping)
    assert migrate(database_url, scripts, "upgrade", "r1").returncode == 0
    gate = tmp_path / "gate"
    gate.mkdir()

    victim = start(database_url, scripts, tmp_path / "victim", "upgrade", TEST_GATE=str(gate))
    wait_for((gate / "inside").exists, [victim], "the victim to be inside r2")
    os.kill(victim.popen.pid, signal.SIGKILL)
    assert victim.popen.wait(timeout=30) == -signal.SIGKILL

    assert version(database_url) == ["r1"]
    assert ledger(database_url) == ["r1"]
    started = time.monotonic()
    rerun = migrate(database_url, scripts, "upgrade", MIGRATION_LOCK_TIMEOUT="60")
    elapsed = time.monotonic() - started

    assert rerun.returncode == 0, rerun.stderr
    assert "Upgraded r1 → r3: 2 revisions" in rerun.stdout
    assert version(database_url) == ["r3"]
    assert ledger(database_url) == ["r1", "r2", "r3"]
    # Well before the 60 s the killed statement would have slept: the server noticed the dead client.
    assert elapsed < 40, rerun.stderr


def test_a_second_migrator_gives_up_after_the_lock_timeout_and_readers_never_wait(
    database_url: str, tmp_path: Path
) -> None:
    scripts = three_revisions(tmp_path, HOLD_AT_GATE)
    gate = tmp_path / "gate"
    gate.mkdir()
    holder = start(database_url, scripts, tmp_path / "holder", "upgrade", TEST_GATE=str(gate))
    wait_for(lambda: any(gate.glob("inside-*")), [holder], "the holder to be inside r1")

    started = time.monotonic()
    waiting = start(database_url, scripts, tmp_path / "waiter", "upgrade", MIGRATION_LOCK_TIMEOUT="2")
    # Meanwhile: the other locking commands give up at once, a read-only one never waits, plain Alembic locks too.
    plain_alembic = ("-c", str(scripts / "alembic.ini"), "upgrade", "head")
    others = [
        start(database_url, scripts, tmp_path / "downgrade", "downgrade", "base", "--yes", MIGRATION_LOCK_TIMEOUT="0"),
        start(database_url, scripts, tmp_path / "stamp", "stamp", "r1", MIGRATION_LOCK_TIMEOUT="0"),
        start(database_url, scripts, tmp_path / "current", "current", MIGRATION_LOCK_TIMEOUT="0"),
        start(
            database_url,
            scripts,
            tmp_path / "alembic",
            *plain_alembic,
            program=(str(ALEMBIC),),
            MIGRATION_LOCK_TIMEOUT="0.5",
        ),
    ]
    waiter = waiting.finish()
    elapsed = time.monotonic() - started
    downgrade, stamp, current, plain = (process.finish() for process in others)
    (gate / "release").touch()
    held = holder.finish()

    assert waiter.returncode == 13, waiter.stderr
    assert "Waiting up to 2 s for the migration lock on" in waiter.stderr
    assert f"pid {holder.popen.pid} on " in waiter.stderr, "the holder is named"
    assert "held the migration lock for more than 2 s" in waiter.stderr
    assert "nothing was changed" in waiter.stderr
    assert 2 <= elapsed < 60
    assert (downgrade.returncode, stamp.returncode) == (13, 13), downgrade.stderr + stamp.stderr
    assert current.returncode == 0, current.stderr
    assert "3 revisions pending" in current.stdout
    assert plain.returncode != 0
    assert "Waiting up to 0.5 s for the migration lock" in plain.stderr
    assert "FAILED: another migration of " in plain.stdout, plain.stdout
    assert "held the migration lock for more than 0.5 s" in plain.stdout
    assert "Traceback" not in plain.stderr
    assert held.returncode == 0, held.stderr
    assert version(database_url) == ["r3"]


def test_a_revision_blocked_by_a_lock_on_listed_info_fails_within_lock_timeout(
    postgres_url: str, tmp_path: Path
) -> None:
    scripts = copy_scripts(tmp_path)
    write_revision(
        scripts,
        "isin01",
        down_revision=project_head(),
        upgrade="op.add_column('listed_info', sa.Column('isin', sa.String(12)))",
        message="add isin",
    )
    assert migrate(postgres_url, scripts, "upgrade", project_head()).returncode == 0
    quick = {
        "MIGRATION_DDL_LOCK_TIMEOUT": "1",
        "MIGRATION_DDL_LOCK_RETRIES": "1",
        "MIGRATION_DDL_LOCK_RETRY_PAUSE": "0.5",
    }

    with open_transaction(postgres_url, "SELECT count(*) FROM listed_info"):
        started = time.monotonic()
        blocked = migrate(postgres_url, scripts, "upgrade", **quick)
        elapsed = time.monotonic() - started
        columns = [column[0] for column in reflect_schema(postgres_url)["listed_info"]["columns"]]
        at = version(postgres_url)
    after = migrate(postgres_url, scripts, "upgrade", **quick)

    assert blocked.returncode == 14, blocked.stderr
    assert (
        "Revision isin01 was rolled back: lock_timeout (1 s) expired on ALTER TABLE listed_info ADD COLUMN isin "
        "VARCHAR(12); retry 1 of 1 in 0.5 s." in blocked.stderr
    )
    assert (
        "Error: revision isin01 (add isin) was rolled back: ALTER TABLE listed_info ADD COLUMN isin VARCHAR(12) "
        "waited longer than lock_timeout (1 s, MIGRATION_DDL_LOCK_TIMEOUT) on each of 2 attempts" in blocked.stderr
    )
    assert "override_timeouts(lock_timeout=...)" in blocked.stderr
    assert 2.5 <= elapsed < 60, "two waits of 1 s and a pause of 0.5 s, then it gives up"
    assert at == [project_head()]
    assert "isin" not in columns
    assert after.returncode == 0, after.stderr
    assert version(postgres_url) == ["isin01"]


def test_a_revision_blocked_by_a_sqlite_reader_fails_within_the_busy_timeout(sqlite_url: str, tmp_path: Path) -> None:
    scripts = three_revisions(tmp_path)
    assert migrate(sqlite_url, scripts, "upgrade", "r1").returncode == 0

    with open_transaction(sqlite_url, "SELECT count(*) FROM ledger"):
        blocked = migrate(
            sqlite_url, scripts, "upgrade", MIGRATION_DDL_LOCK_TIMEOUT="0.5", MIGRATION_DDL_LOCK_RETRIES="0"
        )
        at = version(sqlite_url)
        tables = set(reflect_schema(sqlite_url))
    after = migrate(sqlite_url, scripts, "upgrade")

    assert blocked.returncode == 14, blocked.stderr
    assert (
        "Error: revision r2 (r2) was rolled back: the database file is busy (another connection holds a transaction "
        "on it): COMMIT waited longer than the SQLite busy timeout (0.5 s" in blocked.stderr
    )
    assert at == ["r1"]
    assert "t2" not in tables
    assert after.returncode == 0, after.stderr
    assert version(sqlite_url) == ["r3"]
