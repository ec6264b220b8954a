"""PostgreSQL timeouts through the API: statement_timeout, per-revision overrides, retries reported as events."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from app.infrastructure.database.migration import render_sql, upgrade_database
from app.infrastructure.database.migration.errors import DDLLockTimeoutError
from app.infrastructure.database.migration.run.events import MigrationEvent, RevisionRetry
from harness.databases import open_transaction
from harness.queries import column, version
from tests.scripts_folder import LEDGER, copy_scripts, write_revision

SLEEP = "op.execute('SELECT pg_sleep(0.6)')"


def upgrade(url: str, scripts: Path, events: list[MigrationEvent]) -> None:
    asyncio.run(upgrade_database(database_url=url, script_location=scripts, on_event=events.append))


def test_statement_timeout_rolls_the_revision_back_without_retrying(
    postgres_url: str, tmp_path: Path, migration_settings: Callable[..., None]
) -> None:
    scripts = copy_scripts(tmp_path, project_revisions=False)
    write_revision(scripts, "r1", down_revision=None, upgrade=LEDGER)
    write_revision(
        scripts, "r2", down_revision="r1", upgrade=f"op.create_table('t2', sa.Column('id', sa.Integer))\n{SLEEP}"
    )
    migration_settings(
        MIGRATION_STATEMENT_TIMEOUT="0.3", MIGRATION_DDL_LOCK_RETRIES="2", MIGRATION_DDL_LOCK_RETRY_PAUSE="0"
    )
    events: list[MigrationEvent] = []

    with pytest.raises(DDLLockTimeoutError) as failure:
        upgrade(postgres_url, scripts, events)

    assert failure.value.timeout == "statement_timeout"
    assert failure.value.exit_code == 14
    assert str(failure.value).startswith(
        "revision r2 (r2) was rolled back: SELECT pg_sleep(0.6) ran longer than statement_timeout "
        "(0.3 s, MIGRATION_STATEMENT_TIMEOUT)."
    )
    assert "override_timeouts(statement_timeout=0)" in str(failure.value)
    assert events == [], "a statement timeout is not retried"
    assert version(postgres_url) == ["r1"]
    assert column(postgres_url, "SELECT count(*) FROM pg_tables WHERE tablename = 't2'") == [0]


def test_an_override_lasts_for_its_own_revision_only(
    postgres_url: str, tmp_path: Path, migration_settings: Callable[..., None]
) -> None:
    scripts = copy_scripts(tmp_path, project_revisions=False)
    write_revision(scripts, "r1", down_revision=None, upgrade=LEDGER)
    write_revision(scripts, "r2", down_revision="r1", upgrade=f"override_timeouts(statement_timeout=0)\n{SLEEP}")
    write_revision(scripts, "r3", down_revision="r2", upgrade=SLEEP)
    migration_settings(MIGRATION_STATEMENT_TIMEOUT="0.3")

    with pytest.raises(DDLLockTimeoutError) as failure:
        upgrade(postgres_url, scripts, [])

    assert version(postgres_url) == ["r2"], "r2 ran past the session's statement_timeout"
    assert "revision r3 (r3) was rolled back" in str(failure.value)
    assert "(0.3 s, MIGRATION_STATEMENT_TIMEOUT)" in str(failure.value), "r2's override ended with r2"


def test_lock_timeout_override_is_retried_and_every_retry_reported(
    postgres_url: str, tmp_path: Path, migration_settings: Callable[..., None]
) -> None:
    scripts = copy_scripts(tmp_path, project_revisions=False)
    write_revision(scripts, "r1", down_revision=None, upgrade=LEDGER)
    write_revision(
        scripts,
        "r2",
        down_revision="r1",
        upgrade="override_timeouts(lock_timeout=0.5)\nop.add_column('ledger', sa.Column('note', sa.Text))",
    )
    migration_settings(
        MIGRATION_DDL_LOCK_TIMEOUT="30", MIGRATION_DDL_LOCK_RETRIES="2", MIGRATION_DDL_LOCK_RETRY_PAUSE="0.1"
    )
    asyncio.run(upgrade_database("r1", database_url=postgres_url, script_location=scripts))
    events: list[MigrationEvent] = []

    with open_transaction(postgres_url, "SELECT count(*) FROM ledger"):
        started = time.monotonic()
        with pytest.raises(DDLLockTimeoutError) as failure:
            upgrade(postgres_url, scripts, events)
        elapsed = time.monotonic() - started

    statement = "ALTER TABLE ledger ADD COLUMN note TEXT"
    assert events == [RevisionRetry("r2", "lock_timeout", 0.5, statement, attempt, 2, 0.1) for attempt in (1, 2)]
    assert f"{statement} waited longer than lock_timeout (0.5 s, set by the revision) on each of 3 attempts" in str(
        failure.value
    )
    assert 1.7 <= elapsed < 25, "three waits of 0.5 s and two pauses of 0.1 s, far from the session's 30 s"
    assert version(postgres_url) == ["r1"]


def test_offline_sql_carries_a_revision_s_override(postgres_url: str, tmp_path: Path) -> None:
    scripts = copy_scripts(tmp_path, project_revisions=False)
    write_revision(
        scripts, "r1", down_revision=None, upgrade=f"override_timeouts(lock_timeout=30, statement_timeout=0)\n{LEDGER}"
    )

    rendered = asyncio.run(render_sql("r1", database_url=postgres_url, script_location=scripts))

    assert "SET LOCAL lock_timeout = '30000ms';\n\nSET LOCAL statement_timeout = '0ms';" in rendered
    assert rendered.index("SET LOCAL lock_timeout") < rendered.index("CREATE TABLE ledger")
