"""1. The read-only commands: `stockdata migrate` current, status, heads and history vs ``alembic current``.

Each needs one query (or none) and the revision graph, so each is compared with the cheapest thing plain Alembic
does on the same database and scripts; the five commands are taken in turns on one database at head.
"""

from __future__ import annotations

from benchmarks import rows
from benchmarks.comparisons import Setup, on, ours, plain, timed
from benchmarks.measure import run_command
from benchmarks.rows import Row

COMMANDS = ("current", "status", "heads", "history")


def compare_read_only(setup: Setup) -> list[Row]:
    """One row per read-only command: its time over ``alembic current``'s, against the target (rows.CURRENT)."""
    backend = setup.scratch.backend
    url = setup.scratch.new()
    try:
        run_command(plain("upgrade", "head", url=url))
        *ours_samples, baseline = setup.alternate(
            *(on(ours(command, url=url)) for command in COMMANDS), on(plain("current", url=url))
        )
    finally:
        setup.scratch.discard(url)
    return [
        timed(f"{command}/{backend}", f"{command} (vs alembic current)", backend, samples, baseline, rows.CURRENT)
        for command, samples in zip(COMMANDS, ours_samples, strict=True)
    ]
