"""Where a ``stockdata migrate`` run spends its time, by sampling its main thread's stack every millisecond.

``python -m benchmarks.sampling OUT.json SCRIPTS ARGS…`` runs ``stockdata ARGS…`` in this process, on the scripts
folder SCRIPTS (``MIGRATION_SCRIPT_LOCATION``), and writes to OUT.json the milliseconds spent in each part. A sample
belongs to the innermost frame on the stack that names a part:

- ``stockdata``: the application's code (``app/``) and the scripts folder's ``env.py``, with whatever SQLAlchemy
  does on their behalf;
- ``Alembic``: Alembic's code and the revision files, with what SQLAlchemy does on their behalf;
- ``driver and event loop``: asyncio's loop and the drivers' code (asyncpg, aiosqlite), below any of the above;
- ``database``: waiting for the database (the event loop's ``select``, asyncpg's socket or aiosqlite's thread);
- ``imports``: importing modules (revision files included);
- ``other``: anything else (the interpreter starting and ending).
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from types import FrameType

from app import PROJECT_ROOT

INTERVAL = 0.001
PARTS = ("stockdata", "Alembic", "driver and event loop", "database", "imports", "other")
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


def sample(target: int, scripts: str, counts: Counter[str], stop: threading.Event) -> None:
    """Count the part of thread ``target``'s stack every :data:`INTERVAL` until ``stop`` is set."""
    while not stop.wait(INTERVAL):
        counts[part_of(sys._current_frames().get(target), scripts)] += 1


def main(output: Path, scripts: Path, arguments: list[str]) -> int:
    """Run ``stockdata ARGUMENTS`` sampled, write the milliseconds per part to ``output``; its exit code."""
    counts: Counter[str] = Counter()
    stop = threading.Event()
    target = threading.get_ident()
    sampler = threading.Thread(target=sample, args=(target, str(scripts.resolve()), counts, stop), daemon=True)
    started = time.perf_counter()
    sampler.start()
    code = 0
    try:
        from app.presentation.cli.main import cli

        cli.main(arguments, prog_name="stockdata", standalone_mode=False)
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        stop.set()
        sampler.join()
    elapsed_ms = (time.perf_counter() - started) * 1000
    taken = sum(counts.values()) or 1
    output.write_text(json.dumps({part: counts[part] / taken * elapsed_ms for part in PARTS}))
    return code


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:]))
