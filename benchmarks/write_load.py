"""A concurrent write load from ``pgbench``: new bars inserted and recent ones corrected, several clients at once.

pgbench runs in back-to-back segments of a few seconds (``-T``), so that each segment ends cleanly and flushes its
per-transaction log (``--log``); :meth:`WriteLoad.latencies` reads the transactions that overlapped a time window.
"""

from __future__ import annotations

import math
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from benchmarks.measure import CommandFailedError

SCRIPT = """\\set t random(0, 3999)
\\set k random(1, 100)
INSERT INTO prices (ticker_symbol, "timestamp", open, high, low, close, volume, adjusted_close)
    VALUES ('T' || :t, clock_timestamp(), 1, 2, 0.5, 1.5, 1000, 1.5) ON CONFLICT DO NOTHING;
UPDATE prices SET close = close + 0.01 WHERE id = (SELECT max(id) FROM prices) - :k;
"""
SEGMENT_SECONDS = 2
CLIENTS = 4


@dataclass(frozen=True)
class Transaction:
    """One pgbench transaction: when it ended (epoch seconds) and how long it took."""

    end: float
    latency: float


class WriteLoad:
    """pgbench writing to ``url``'s ``prices`` from :meth:`start` to :meth:`stop`."""

    def __init__(self, url: str, folder: Path, *, pgbench: str = "pgbench") -> None:
        self._target = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._folder = folder
        self._folder.mkdir(parents=True, exist_ok=True)
        self._script = folder / "writes.sql"
        self._script.write_text(SCRIPT)
        self._pgbench = pgbench
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._segment = 0
        self._failure: str | None = None
        self._read: list[Transaction] | None = None

    def start(self) -> None:
        """Start writing (in a background thread)."""
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Let the current segment finish, then stop; raises CommandFailedError if pgbench failed."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
        if self._failure:
            raise CommandFailedError(f"pgbench failed: {self._failure}")

    def check(self) -> None:
        """Raise CommandFailedError now if pgbench has stopped writing (the windows after it would have no writers)."""
        if self._failure:
            raise CommandFailedError(f"pgbench failed: {self._failure}")

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._segment += 1
            prefix = self._folder / f"segment{self._segment}"
            command = [self._pgbench, "-n", "-f", str(self._script), "-c", str(CLIENTS), "-j", "2"]
            command += ["-T", str(SEGMENT_SECONDS), "--log", f"--log-prefix={prefix}", self._target]
            # No timeout: a segment lasts as long as a lock holds its clients (minutes for a plain backfill of
            # 10,000,000 rows), and those waits are what is measured.
            try:
                done = subprocess.run(command, capture_output=True, text=True, check=False)
            except FileNotFoundError:
                self._failure = "pgbench is not installed (it ships with PostgreSQL's client tools)"
                return
            except Exception as exc:  # a dead thread would leave the later windows silently without writers
                self._failure = str(exc)
                return
            if done.returncode != 0:
                self._failure = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
                return

    def latencies(self, start: float, end: float) -> list[float]:
        """The latencies (seconds) of the transactions that were running at some point between ``start`` and ``end``.

        Call it after :meth:`stop`: the logs are read once, complete.
        """
        if self._read is None:
            self._read = self._transactions()
        return [t.latency for t in self._read if t.end > start and t.end - t.latency < end]

    def _transactions(self) -> list[Transaction]:
        found = []
        for log in self._folder.glob("segment*"):
            for line in log.read_text().splitlines():
                fields = line.split()
                if len(fields) >= 6:
                    found.append(Transaction(int(fields[4]) + int(fields[5]) / 1e6, int(fields[2]) / 1e6))
        return found


def p99(latencies: list[float]) -> float:
    """The 99th percentile of ``latencies`` (nearest rank; 0 when there are none)."""
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, math.ceil(0.99 * len(ordered)) - 1)] if ordered else 0.0


def wait_seconds(seconds: float) -> tuple[float, float]:
    """Sleep ``seconds`` and return the window (epoch seconds) slept through."""
    start = time.time()
    time.sleep(seconds)
    return start, time.time()
