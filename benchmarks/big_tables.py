"""7. Big tables: each operation's plain form (what autogenerate wrote before) and its safe form, on a loaded
``prices``, under a concurrent pgbench write load, against the writers' idle latency and a busy baseline.

For each operation and form: a revision on top of the initial one, applied by ``stockdata migrate upgrade --json``
while pgbench writes (the step's own seconds are the operation's duration), then undone by a downgrade outside the
measurement; then the same revision on ``prices_copy``, which the writers never touch (the busy baseline: the same
work, no lock the writers need). For each window: the writers' p99 and max latency (pgbench's per-transaction log)
and their lock waits on the migration, sampled directly (:mod:`benchmarks.lock_waits`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

from app.infrastructure.database.migration.setup import SCRIPT_LOCATION
from benchmarks.big_operations import COPY, FILL, FORMS, INITIAL, OPERATIONS, TABLE, revision
from benchmarks.big_rows import Measured, Window, big_table_rows
from benchmarks.databases import Scratch
from benchmarks.lock_waits import LockSampler
from benchmarks.measure import CommandFailedError
from benchmarks.rows import Row
from benchmarks.write_load import WriteLoad, p99, wait_seconds
from harness.commands import STOCKDATA
from harness.queries import execute

EXIT_SLACK = 0.3
"""Seconds between the end of the measured step and the end of its command, at most."""
SETTLE = 0.5
"""Seconds the writers get to settle after the previous undo."""


def compare_big_tables(
    scratch: Scratch,
    folder: Path,
    *,
    count: int,
    runs: int,
    idle_seconds: float,
    operations: tuple[str, ...] = tuple(OPERATIONS),
) -> list[Row]:
    """``operations`` in their plain and safe forms on ``count`` rows of ``prices`` and of its copy, ``runs`` times."""
    scripts = folder / "big-tables"
    shutil.copytree(SCRIPT_LOCATION, scripts, ignore=shutil.ignore_patterns("__pycache__", "versions"))
    (scripts / "versions").mkdir()
    shutil.copy(next((SCRIPT_LOCATION / "versions").glob(f"*{INITIAL}*.py")), scripts / "versions")
    url = scratch.new()
    env = {"DATABASE_URL": url, "MIGRATION_SCRIPT_LOCATION": str(scripts)}
    try:
        _stockdata(env, "upgrade")
        execute(url, *[statement for statement in FILL.format(count=count).split(";") if statement.strip()])
        load, sampler = WriteLoad(url, folder / "pgbench"), LockSampler(url)
        load.start()
        sampler.start()
        try:
            idle_window = wait_seconds(idle_seconds)
            windows: dict[tuple[str, str, str], list[tuple[float, float, float]]] = {}
            for name in operations:
                for _ in range(runs):
                    for form in FORMS:
                        for table in (TABLE, COPY):
                            load.check()
                            windows.setdefault((name, form, table), []).append(
                                _measure(scripts, env, revision(name, form, table))
                            )
        finally:
            sampler.stop()
            load.stop()  # pgbench's logs are complete once its last segment has ended
    finally:
        scratch.discard(url)
    idle = _window(load, sampler, 0.0, *idle_window)
    measured = {
        key: [_window(load, sampler, seconds, start, end) for seconds, start, end in runs_of]
        for key, runs_of in windows.items()
    }
    return big_table_rows(Measured(idle, measured, sampler.polls_per_second()), operations)


def _window(load: WriteLoad, sampler: LockSampler, seconds: float, start: float, end: float) -> Window:
    latencies = load.latencies(start, end)
    waits = sampler.waits(start, end)
    return Window(seconds, p99(latencies), max(latencies, default=0.0), waits.longest, waits.transactions)


def _measure(scripts: Path, env: dict[str, str], text: str) -> tuple[float, float, float]:
    """(duration, start, end) of one upgrade to the revision ``text`` (epoch seconds), undone afterwards."""
    path = scripts / "versions" / "bench.py"
    path.write_text(text)
    time.sleep(SETTLE)
    output = _stockdata(env, "upgrade", "--json")
    ended = time.time()
    seconds = float(json.loads(output)["steps"][0]["seconds"])
    _stockdata(env, "downgrade", "--yes", INITIAL)
    path.unlink()
    # The step ended just before the command did (its process still had to exit).
    return seconds, ended - seconds - EXIT_SLACK, ended


def _stockdata(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(STOCKDATA), "migrate", *args], env={**os.environ, **env}, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        shown = " ".join(args)
        raise CommandFailedError(f"`stockdata migrate {shown}` exited with {done.returncode}: {done.stderr.strip()}")
    return done.stdout
