"""The safe forms on real PostgreSQL: what they lock, that a rerun after an interruption at any phase finishes the
job, and that the history row is written only once the revision has really completed."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from app.infrastructure.database.migration import upgrade_database
from app.infrastructure.database.migration.errors import DDLLockTimeoutError, MigrationError, UnsafeOperationError
from app.infrastructure.database.migration.run.events import MigrationEvent
from app.infrastructure.database.migration.safe.progress import BackfillProgress
from harness.databases import open_transaction
from harness.queries import column, execute, rows, scalar, version
from tests.scripts_folder import copy_scripts, write_revision

ROWS = 2_000
TABLE = f"""
op.create_table('t', sa.Column('id', sa.Integer, primary_key=True), sa.Column('v', sa.Integer),
                sa.Column('w', sa.Integer), sa.Column('ref', sa.Integer))
op.create_table('refs', sa.Column('id', sa.Integer, primary_key=True))
op.execute("INSERT INTO refs SELECT g FROM generate_series(1, 10) AS g")
op.execute("INSERT INTO t SELECT g, g, g, 1 + g % 10 FROM generate_series(1, {ROWS}) AS g")
"""
SAFE = "from app.infrastructure.database.migration import safe\n"
WRITE = "INSERT INTO t (id, v, w, ref) SELECT max(id) + 1, 1, 1, 1 FROM t"


@pytest.fixture
def table(postgres_url: str, tmp_path: Path) -> Path:
    """A scripts folder whose revision r1 made table ``t`` (ROWS rows) and ``refs``, applied to ``postgres_url``."""
    scripts = copy_scripts(tmp_path, project_revisions=False)
    write_revision(scripts, "r1", down_revision=None, upgrade=TABLE)
    upgrade(postgres_url, scripts)
    return scripts


def upgrade(url: str, scripts: Path, events: list[MigrationEvent] | None = None) -> None:
    on_event = events.append if events is not None else None
    asyncio.run(upgrade_database(database_url=url, script_location=scripts, on_event=on_event))


def index_valid(url: str, name: str) -> list[bool]:
    return column(url, f"SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('{name}')")


def timed_write(url: str) -> float:
    """Seconds one application write on ``t`` took (it gives up after 10 s)."""
    started = time.monotonic()
    execute(url, "SET LOCAL statement_timeout = '10s'", WRITE)
    return time.monotonic() - started


def waiting_on_lock(url: str, statement: str) -> bool:
    query = f"SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '{statement}%'"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if scalar(url, query):
            return True
        time.sleep(0.05)
    return False


def test_a_plain_index_build_waits_behind_a_writer_blocks_the_others_and_fails_past_lock_timeout(
    postgres_url: str, table: Path, migration_settings: Callable[..., None]
) -> None:
    write_revision(table, "r2", down_revision="r1", upgrade="op.create_index('ix_t_v', 't', ['v'])")
    migration_settings(MIGRATION_DDL_LOCK_TIMEOUT="1.5", MIGRATION_DDL_LOCK_RETRIES="0")
    failure: list[BaseException] = []

    def migrate() -> None:
        try:
            upgrade(postgres_url, table)
        except MigrationError as exc:
            failure.append(exc)

    with open_transaction(postgres_url, "UPDATE t SET v = v WHERE id = 1"):
        migrator = threading.Thread(target=migrate)
        migrator.start()
        assert waiting_on_lock(postgres_url, "CREATE INDEX ix_t_v")
        blocked = timed_write(postgres_url)
        migrator.join()

    assert isinstance(failure[0], DDLLockTimeoutError)
    assert blocked > 0.5, "the other writer queued behind the plain build's lock"
    assert version(postgres_url) == ["r1"]


def test_the_safe_index_build_lets_writers_through_and_finishes_when_the_open_writer_ends(
    postgres_url: str, table: Path, migration_settings: Callable[..., None]
) -> None:
    write_revision(table, "r2", down_revision="r1", upgrade=SAFE + "safe.create_index('ix_t_v', 't', ['v'])")
    migration_settings(MIGRATION_DDL_LOCK_TIMEOUT="20", MIGRATION_DDL_LOCK_RETRIES="0")

    with open_transaction(postgres_url, "UPDATE t SET v = v WHERE id = 1"):
        migrator = threading.Thread(target=upgrade, args=(postgres_url, table))
        migrator.start()
        assert waiting_on_lock(postgres_url, "CREATE INDEX CONCURRENTLY")
        assert timed_write(postgres_url) < 0.5, "another writer went through while the index was building"
    migrator.join(timeout=30)

    assert index_valid(postgres_url, "ix_t_v") == [True]
    assert version(postgres_url) == ["r2"]


def test_an_invalid_index_left_by_a_failed_build_is_rebuilt_by_the_next_run(
    postgres_url: str, table: Path, migration_settings: Callable[..., None]
) -> None:
    write_revision(table, "r2", down_revision="r1", upgrade=SAFE + "safe.create_index('ix_t_v', 't', ['v'])")
    migration_settings(MIGRATION_DDL_LOCK_TIMEOUT="0.5", MIGRATION_DDL_LOCK_RETRIES="0")
    with open_transaction(postgres_url, "UPDATE t SET v = v WHERE id = 1"), pytest.raises(DDLLockTimeoutError):
        upgrade(postgres_url, table)
    assert index_valid(postgres_url, "ix_t_v") == [False], "the failed build left an INVALID index"
    assert version(postgres_url) == ["r1"]

    upgrade(postgres_url, table)

    assert index_valid(postgres_url, "ix_t_v") == [True]
    assert version(postgres_url) == ["r2"]
    assert column(postgres_url, "SELECT revision FROM stockdata_migration_history ORDER BY 1") == ["r1", "r2"]


def test_the_history_row_waits_for_the_end_of_a_revision_whose_transaction_was_committed_midway(
    postgres_url: str, table: Path
) -> None:
    body = SAFE + "safe.create_index('ix_t_v', 't', ['v'])\nop.create_table('later', sa.Column('id', sa.Integer))\n"
    write_revision(table, "r2", down_revision="r1", upgrade=body + "op.execute('SELECT 1 / 0')")
    with pytest.raises(MigrationError, match="division by zero"):
        upgrade(postgres_url, table)
    assert index_valid(postgres_url, "ix_t_v") == [True], "committed by the autocommit block"
    assert column(postgres_url, "SELECT revision FROM stockdata_migration_history") == ["r1"]
    assert scalar(postgres_url, "SELECT to_regclass('later')") is None, "rolled back with the rest of the revision"

    write_revision(table, "r2", down_revision="r1", upgrade=body)
    upgrade(postgres_url, table)

    assert version(postgres_url) == ["r2"]
    assert column(postgres_url, "SELECT revision FROM stockdata_migration_history ORDER BY 1") == ["r1", "r2"]


INTERRUPTED = {
    "foreign key added, not validated": (
        "ALTER TABLE t ADD CONSTRAINT fk_t_ref FOREIGN KEY (ref) REFERENCES refs (id) NOT VALID",
        "safe.create_foreign_key('fk_t_ref', 't', 'refs', ['ref'], ['id'])",
    ),
    "check added, not validated": (
        "ALTER TABLE t ADD CONSTRAINT ck_t_v CHECK (v > 0) NOT VALID",
        "safe.create_check_constraint('ck_t_v', 't', 'v > 0')",
    ),
    "not-null check added": (
        "ALTER TABLE t ADD CONSTRAINT ck_t_v_not_null CHECK (v IS NOT NULL) NOT VALID",
        "safe.set_not_null('t', 'v')",
    ),
    "not-null check validated": (
        "ALTER TABLE t ADD CONSTRAINT ck_t_v_not_null CHECK (v IS NOT NULL)",
        "safe.set_not_null('t', 'v')",
    ),
    "column added, half backfilled": (
        "ALTER TABLE t ADD COLUMN x integer; UPDATE t SET x = v * 3 WHERE id <= 700",
        "safe.add_column('t', sa.Column('x', sa.Integer, nullable=False, server_default='0'), backfill='v * 3',"
        " batch_size=300)",
    ),
    "shadow column half backfilled, no trigger yet": (
        "ALTER TABLE t ADD COLUMN w__new bigint; UPDATE t SET w__new = w WHERE id <= 900",
        "safe.alter_column_type('t', 'w', sa.BigInteger(), existing_type=sa.Integer(), small_table_rows=10,"
        " batch_size=300)",
    ),
}


@pytest.mark.parametrize("phase", [None, *INTERRUPTED])
def test_each_safe_form_finishes_the_job_after_an_interruption(
    postgres_url: str, table: Path, phase: str | None
) -> None:
    forms = [call for _state, call in INTERRUPTED.values()]
    write_revision(table, "r2", down_revision="r1", upgrade=SAFE + "\n".join(dict.fromkeys(forms)))
    if phase is not None:
        execute(postgres_url, *INTERRUPTED[phase][0].split("; "))

    upgrade(postgres_url, table)

    assert version(postgres_url) == ["r2"]
    assert rows(postgres_url, "SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 't'::regclass") == [
        ("t_pkey", True),
        ("fk_t_ref", True),
        ("ck_t_v", True),
    ]
    columns = "SELECT attname, format_type(atttypid, atttypmod), attnotnull FROM pg_attribute WHERE attrelid = "
    assert sorted(rows(postgres_url, columns + "'t'::regclass AND attnum > 0 AND NOT attisdropped")) == [
        ("id", "integer", True),
        ("ref", "integer", False),
        ("v", "integer", True),
        ("w", "bigint", False),
        ("x", "integer", True),
    ]
    assert rows(postgres_url, "SELECT count(*) FILTER (WHERE x = v * 3 AND w = id), count(*) FROM t") == [(ROWS, ROWS)]
    assert scalar(postgres_url, "SELECT count(*) FROM pg_trigger WHERE tgname = 'w__new'") == 0
    assert scalar(postgres_url, "SELECT count(*) FROM pg_proc WHERE proname = 't_w_sync'") == 0
    execute(postgres_url, "INSERT INTO t (id, v, w, ref) VALUES (0, 1, 1, 1)")
    assert scalar(postgres_url, "SELECT x FROM t WHERE id = 0") == 0, "the column's default is in place"


def test_a_type_change_keeps_the_shadow_column_in_step_with_concurrent_writes(postgres_url: str, table: Path) -> None:
    upgrade_body = SAFE + "safe.alter_column_type('t', 'w', sa.BigInteger(), small_table_rows=10, batch_size=50,"
    write_revision(table, "r2", down_revision="r1", upgrade=upgrade_body + " pause=0.02)")
    stop = threading.Event()

    def write() -> None:
        while not stop.is_set():
            execute(postgres_url, WRITE, "UPDATE t SET w = w + 1 WHERE id = (SELECT max(id) - 5 FROM t)")

    writer = threading.Thread(target=write)
    writer.start()
    try:
        upgrade(postgres_url, table)
    finally:
        stop.set()
        writer.join()

    assert scalar(postgres_url, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attname = 'w'") == (
        "bigint"
    )
    assert scalar(postgres_url, "SELECT count(*) FROM t WHERE w IS NULL") == 0
    assert scalar(postgres_url, "SELECT count(*) FROM t") > ROWS, "the writer wrote during the change"


def test_a_type_change_on_a_big_table_refuses_when_the_column_is_indexed(postgres_url: str, table: Path) -> None:
    write_revision(
        table,
        "r2",
        down_revision="r1",
        upgrade=SAFE + "op.create_index('ix_t_w', 't', ['w', 'v'])\n"
        "safe.alter_column_type('t', 'w', sa.BigInteger(), small_table_rows=10)",
    )
    with pytest.raises(UnsafeOperationError) as refused:
        upgrade(postgres_url, table)

    assert refused.value.exit_code == 26
    assert "ix_t_w" in str(refused.value)
    assert "safe.create_index" in str(refused.value)
    assert version(postgres_url) == ["r1"]
    assert scalar(postgres_url, "SELECT to_regclass('ix_t_w')") is None, "the revision was rolled back"


def test_a_backfill_reports_its_progress_as_events(postgres_url: str, table: Path) -> None:
    body = SAFE + "safe.backfill('t', set_={'w': 'v * 2'}, where='w IS DISTINCT FROM v * 2', batch_size=500)"
    write_revision(table, "r2", down_revision="r1", upgrade=body)
    events: list[MigrationEvent] = []

    upgrade(postgres_url, table, events)

    progress = [event for event in events if isinstance(event, BackfillProgress)]
    assert progress[-1].done == progress[-1].total == ROWS
    assert progress[-1].describe().startswith(f"Backfilling t: {ROWS:,} of {ROWS:,} rows (100%), ")
    assert "rows/s" in progress[-1].describe()
    assert scalar(postgres_url, "SELECT count(*) FROM t WHERE w = v * 2") == ROWS
