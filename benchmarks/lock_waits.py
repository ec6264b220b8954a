"""The writers' lock waits, seen directly: a sampler polls ``pg_stat_activity`` every few milliseconds.

Latency alone cannot tell a lock from a busy CPU on a small machine: any operation slows the writers down. A writer
backend (``application_name = 'pgbench'``) that waits on a heavyweight lock (``wait_event_type = 'Lock'``) held or
queued by a session that is not a writer (the migration's) is waiting *because of* the operation; waits of writers on
one another (two of them correcting the same bar) are left out. Each sighting records how long the writer's
statement has been running, which for pgbench's one-line statements is how long it has waited so far.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

from benchmarks.measure import CommandFailedError
from harness.queries import on_connection

INTERVAL = 0.005
"""Seconds between two polls."""
WRITER = "pgbench"
_WAITING = text(
    """
    SELECT w.pid, extract(epoch FROM w.xact_start)::float8 AS began,
           extract(epoch FROM clock_timestamp() - w.query_start)::float8 AS waited
    FROM pg_stat_activity AS w
    WHERE w.datname = current_database() AND w.application_name = :writer AND w.wait_event_type = 'Lock'
      AND EXISTS (
        SELECT FROM pg_stat_activity AS b
        WHERE b.pid = ANY (pg_blocking_pids(w.pid)) AND b.application_name IS DISTINCT FROM :writer
      )
    """
)


@dataclass(frozen=True)
class Sighting:
    """A writer transaction seen waiting on the operation's lock: when (epoch seconds), which, for how long so far."""

    at: float
    transaction: tuple[int, float]
    waited: float


@dataclass(frozen=True)
class LockWaits:
    """The writers' lock waits during one window: the longest one seen and how many transactions waited."""

    longest: float
    transactions: int


class LockSampler:
    """Polls ``url`` for writers waiting on a non-writer's lock from :meth:`start` to :meth:`stop`."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._sightings: list[Sighting] = []
        self._polls = 0
        self._started = self._stopped = 0.0
        self._failure: Exception | None = None

    def start(self) -> None:
        """Start polling (in a background thread, on a connection of its own)."""
        self._stopping.clear()
        self._started = time.time()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop polling; re-raises whatever stopped the sampler early (a sampler that died would report no waits)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
        self._stopped = time.time()
        if self._failure is not None:
            raise CommandFailedError(f"the lock-wait sampler failed: {self._failure}") from self._failure

    def _run(self) -> None:
        try:
            on_connection(self._url, self._poll)
        except Exception as exc:  # handed to stop(), which raises it in the caller's thread
            self._failure = exc

    def _poll(self, connection: Connection) -> None:
        # Autocommit: pg_stat_activity is read once per transaction, so each poll needs a transaction of its own.
        autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
        while not self._stopping.is_set():
            now = time.time()
            for pid, began, waited in autocommit.execute(_WAITING, {"writer": WRITER}):
                self._sightings.append(Sighting(now, (pid, began), waited))
            self._polls += 1
            time.sleep(INTERVAL)

    def polls_per_second(self) -> float:
        """How often the sampler polled, start to stop (it keeps up when this is near ``1 / INTERVAL``)."""
        return self._polls / max(self._stopped - self._started, 1e-9)

    def waits(self, start: float, end: float) -> LockWaits:
        """The writers' lock waits sighted between ``start`` and ``end`` (epoch seconds)."""
        longest: dict[tuple[int, float], float] = {}
        for sighting in self._sightings:
            if start <= sighting.at <= end:
                longest[sighting.transaction] = max(longest.get(sighting.transaction, 0.0), sighting.waited)
        return LockWaits(max(longest.values(), default=0.0), len(longest))
