"""The pieces of the migration lock and retries that need no database."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy.engine import make_url

from app.infrastructure.database.migration.inspect.revisions import is_relative, pin
from app.infrastructure.database.migration.run.events import LockAcquired, LockWaiting, RevisionRetry
from app.infrastructure.database.migration.run.locking import ADVISORY_LOCK_KEY, LOCK_NAME, lock_file_path
from app.infrastructure.database.migration.setup import build_config, load_scripts
from tests.scripts_folder import copy_scripts, write_revision


def test_the_advisory_lock_key_is_the_documented_number_derived_from_the_documented_name() -> None:
    derived = int.from_bytes(hashlib.sha256(b"stockdata.migrations").digest()[:8], "big", signed=True)

    assert LOCK_NAME == "stockdata.migrations"
    assert ADVISORY_LOCK_KEY == derived == 7506785057103662842
    assert (ADVISORY_LOCK_KEY >> 32, ADVISORY_LOCK_KEY & 0xFFFFFFFF) == (1747809596, 2648690426), "as pg_locks shows it"


def test_the_sqlite_lock_file_sits_beside_the_database() -> None:
    assert lock_file_path(make_url("sqlite+aiosqlite:////srv/app/stock.db")) == Path("/srv/app/stock.db.migration-lock")
    assert lock_file_path(make_url("sqlite+aiosqlite:///:memory:")) is None
    assert lock_file_path(make_url("sqlite+aiosqlite:///file:mem?mode=memory&uri=true")) is None


def test_relative_targets_are_pinned_to_the_revision_they_reach(tmp_path: Path) -> None:
    folder = copy_scripts(tmp_path, project_revisions=False)
    for number, down in ((1, None), (2, "r1"), (3, "r2")):
        write_revision(folder, f"r{number}", down_revision=down, upgrade="")
    script = load_scripts(build_config(database_url="", script_location=folder))

    assert [is_relative(target) for target in ("-1", "+2", "head", "r2", "r2+1", "head-1")] == [
        True,
        True,
        False,
        False,
        False,
        False,
    ]
    assert pin(script, "-1", ("r3",), downgrade=True) == "r2"
    assert pin(script, "-3", ("r3",), downgrade=True) == "base"
    assert pin(script, "+2", (), downgrade=False) == "r2"
    assert pin(script, "+1", ("r1",), downgrade=False) == "r2"
    assert pin(script, "head", ("r1",), downgrade=False) == "head"


def test_events_read_as_one_line_each() -> None:
    assert LockWaiting("SQLite file /x.db", "pid 7 on web-1", 300).describe() == (
        "Waiting up to 300 s for the migration lock on SQLite file /x.db, held by pid 7 on web-1..."
    )
    assert LockAcquired(2.345).describe() == "Got the migration lock after 2.3 s."
    assert RevisionRetry("ab12", "lock_timeout", 5, "ALTER TABLE t ADD c INT", 1, 3, 10).describe() == (
        "Revision ab12 was rolled back: lock_timeout (5 s) expired on ALTER TABLE t ADD c INT; retry 1 of 3 in 10 s."
    )
