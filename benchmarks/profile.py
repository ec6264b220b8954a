"""The profile row: where an upgrade of the long chain spends its time, per revision (see :mod:`.sampling`)."""

from __future__ import annotations

import json
import math
import sys
import tempfile
from pathlib import Path

from benchmarks.chain import Chain
from benchmarks.databases import Scratch
from benchmarks.measure import Command, Stats, run_command
from benchmarks.rows import Row
from benchmarks.sampling import PARTS

RUNS = 3


def profile_upgrade(scratch: Scratch, chain: Chain) -> Row:
    """Sample ``stockdata migrate upgrade`` of ``chain`` from empty, :data:`RUNS` times; the medians per revision.

    The row compares stockdata's own time with Alembic's (revision files included), each with the SQLAlchemy work
    done on its behalf; its note gives every part, the driver's and the database's too, in milliseconds per revision
    (start-up included, spread over the revisions). It has no target: it says where to look when a ratio moves.
    """
    taken: dict[str, list[float]] = {part: [] for part in PARTS}
    with tempfile.TemporaryDirectory(prefix="stockdata-profile-") as folder:
        output = Path(folder) / "parts.json"
        for _ in range(RUNS):
            url = scratch.new()
            try:
                argv = (sys.executable, "-m", "benchmarks.sampling", str(output), str(chain.scripts))
                env = {"DATABASE_URL": url, "MIGRATION_SCRIPT_LOCATION": str(chain.scripts)}
                run_command(Command((*argv, "migrate", "upgrade"), env))
            finally:
                scratch.discard(url)
            for part, milliseconds in json.loads(output.read_text()).items():
                taken[part].append(milliseconds / chain.length)
    medians = {part: Stats.of(values) for part, values in taken.items()}
    ours, alembic = medians["stockdata"], medians["Alembic"]
    parts = ", ".join(f"{part} {stats.median:.2f} ms" for part, stats in medians.items())
    return Row(
        f"chain-profile/{scratch.backend}",
        f"profile: stockdata's own time per revision (vs Alembic's), {chain.length}-revision chain",
        scratch.backend,
        "ms",
        ours,
        alembic,
        ours.median / alembic.median if alembic.median else math.inf,
        math.inf,
        None,
        note=f"per revision, sampled (medians of {RUNS} upgrades): {parts}",
    )
