"""The batched backfill survives kill -9 of the migrating process, with the application writing all along."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

from harness.commands import STOCKDATA
from harness.queries import execute, scalar, version
from tests.helpers import run
from tests.scripts_folder import copy_scripts, write_revision

ROWS = 3_000
TABLE = f"""
op.create_table('t', sa.Column('id', sa.Integer, primary_key=True), sa.Column('v', sa.Integer),
                sa.Column('w', sa.Integer))
op.execute("INSERT INTO t (id, v) SELECT g, g FROM generate_series(1, {ROWS}) AS g")
"""
BACKFILL = """
from app.infrastructure.database.migration import safe
safe.backfill('t', set_={'w': 'v * 2'}, where='w IS NULL', batch_size=100, pause=0.05)
"""
# The application already writes the new column: new bars, and corrections of recent ones.
WRITES = (
    "INSERT INTO t (id, v, w) SELECT max(id) + 1, 7, 14 FROM t",
    "UPDATE t SET v = v + 1, w = (v + 1) * 2 WHERE id = (SELECT max(id) - 3 FROM t)",
)


def test_the_backfill_resumes_after_kill_9_with_a_concurrent_writer(postgres_url: str, tmp_path: Path) -> None:
    scripts = copy_scripts(tmp_path, project_revisions=False)
    write_revision(scripts, "r1", down_revision=None, upgrade=TABLE)
    write_revision(scripts, "r2", down_revision="r1", upgrade=BACKFILL)
    env = {**os.environ, "DATABASE_URL": postgres_url, "MIGRATION_SCRIPT_LOCATION": str(scripts)}
    assert run([STOCKDATA, "migrate", "upgrade", "r1"], env=env).returncode == 0
    stop = threading.Event()
    writer = threading.Thread(target=lambda: _write_until(postgres_url, stop))
    writer.start()
    try:
        migrator = subprocess.Popen([STOCKDATA, "migrate", "upgrade"], env=env, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while scalar(postgres_url, "SELECT count(*) FROM t WHERE w IS NOT NULL AND id <= 3000") < 500:
            assert time.monotonic() < deadline, "the backfill did not get going"
            assert migrator.poll() is None, "the migrator ended before it was killed"
            time.sleep(0.05)
        os.kill(migrator.pid, signal.SIGKILL)
        migrator.wait()
        left = scalar(postgres_url, "SELECT count(*) FROM t WHERE w IS NULL")
        assert 0 < left < ROWS - 400, "the committed batches survived the kill"
        assert version(postgres_url) == ["r1"]

        finished = run([STOCKDATA, "migrate", "upgrade"], env=env)
    finally:
        stop.set()
        writer.join()

    assert finished.returncode == 0, finished.stderr
    totals = {
        int(total.replace(",", "")) for total in re.findall(r"Backfilling t: [\d,]+ of ([\d,]+) rows", finished.stderr)
    }
    assert totals == {left}, f"the second run resumed with the {left} rows left: {finished.stderr}"
    assert version(postgres_url) == ["r2"]
    assert scalar(postgres_url, "SELECT count(*) FROM t WHERE w IS DISTINCT FROM v * 2") == 0
    assert scalar(postgres_url, "SELECT count(*) FROM t") > ROWS, "the writer kept writing"


def _write_until(url: str, stop: threading.Event) -> None:
    while not stop.is_set():
        execute(url, *WRITES)
