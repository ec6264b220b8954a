"""Where a ``stockdata migrate`` run spends its time: its CPU time sampled by where the main thread is, and waiting.

``python -m benchmarks.sampling OUT.json SCRIPTS ARGS…`` runs ``stockdata ARGS…`` in this process, on the scripts
folder SCRIPTS (``MIGRATION_SCRIPT_LOCATION``), and writes to OUT.json the milliseconds spent in each part. Every
millisecond of the process's CPU time (``SIGPROF``), the main thread's stack is taken, and the sample belongs to the
innermost frame on it that names a part:

- ``stockdata``: the application's code (``app/``) and the scripts folder's ``env.py``, with whatever SQLAlchemy
  does on their behalf;
- ``Alembic``: Alembic's code and the revision files, with what SQLAlchemy does on their behalf;
- ``driver and event loop``: asyncio's loop and the drivers' code (asyncpg, aiosqlite), below any of the above;
- ``database``: the main thread waits for the database while the process computes (aiosqlite's thread: SQLite);
- ``imports``: importing modules (revision files included);
- ``other``: anything else (the interpreter starting and ending).

``waiting`` is the rest of the wall-clock time: the server's work, the disk, and on a busy machine the CPU itself.
"""

from __future__ import annotations

import json
import resource
import signal
import sys
import time
from collections import Counter
from pathlib import Path
from types import FrameType

from app import PROJECT_ROOT

INTERVAL = 0.001
PARTS = ("stockdata", "Alembic", "driver and event loop", "database", "imports", "other", "waiting")
_APP = str(PROJECT_ROOT / "app") + "/"
_DRIVER_AND_LOOP = ("/asyncio/", "/asyncpg/", "/aiosqlite/")


def part_of(frame: FrameType | None, scripts: str) -> str:
    """The part (of :data:`PARTS`) that the stack ending in ``frame`` belongs to; ``scripts``: the scripts folder."""
    if frame is not None and frame.f_code.co_filename.endswith("selectors.py"):
        return "database"
    while frame is not None:
        path = frame.f_code.co_filename
        if path.startswith("<frozen importlib"):
            return "imports"
        if path.startswith(_APP) or path == f"{scripts}/env.py":
            return "stockdata"
        if path.startswith(f"{scripts}/") or "/site-packages/alembic/" in path:
            return "Alembic"
        if any(part in path for part in _DRIVER_AND_LOOP):
            return "driver and event loop"
        frame = frame.f_back
    return "other"


def main(output: Path, scripts: Path, arguments: list[str]) -> int:
    """Run ``stockdata ARGUMENTS`` sampled, write the milliseconds per part to ``output``; its exit code."""
    counts: Counter[str] = Counter()
    folder = str(scripts.resolve())

    def sample(_signal: int, frame: FrameType | None) -> None:
        counts[part_of(frame, folder)] += 1

    signal.signal(signal.SIGPROF, sample)
    started, cpu_started = time.perf_counter(), _cpu_seconds()
    signal.setitimer(signal.ITIMER_PROF, INTERVAL, INTERVAL)
    code = 0
    try:
        from app.presentation.cli.main import cli

        cli.main(arguments, prog_name="stockdata", standalone_mode=False)
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
    elapsed_ms = (time.perf_counter() - started) * 1000
    cpu_ms = (_cpu_seconds() - cpu_started) * 1000
    taken = sum(counts.values()) or 1
    parts = {part: counts[part] / taken * cpu_ms for part in PARTS}
    parts["waiting"] = max(elapsed_ms - cpu_ms, 0.0)
    output.write_text(json.dumps(parts))
    return code


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:]))
