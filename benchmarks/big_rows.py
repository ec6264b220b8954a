"""The big-table comparison's rows: per operation, the plain and safe forms' duration, the writers' p99 against idle
and against the busy baseline, their max latency and their longest lock wait against ``lock_timeout``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from benchmarks import rows
from benchmarks.big_operations import COPY, TABLE, slug
from benchmarks.measure import Stats
from benchmarks.rows import Row

LOCK_TIMEOUT = 5.0
"""The default ``MIGRATION_DDL_LOCK_TIMEOUT``: with the safe forms, no write should wait longer."""
P99_TARGET = 2.0
"""The issue's target: the writers' p99 during a safe form at most twice their idle (or busy) p99."""


@dataclass(frozen=True)
class Window:
    """What the writers went through during one window: its operation's seconds (0 for idle), their p99 and max
    latency, the longest lock wait the sampler saw and how many writer transactions waited on a lock."""

    seconds: float
    p99: float
    worst: float
    lock_wait: float
    lock_waiters: int


@dataclass(frozen=True)
class Measured:
    """The idle window, each (operation, form, table)'s windows, and how often the lock sampler polled."""

    idle: Window
    runs: dict[tuple[str, str, str], list[Window]]
    polls_per_second: float


def big_table_rows(measured: Measured, operations: tuple[str, ...]) -> list[Row]:
    """The idle row, then each operation's rows."""
    idle = measured.idle
    idle_row = rows.compared(
        "big-idle/postgresql",
        "big tables: writers' idle p99 (vs max)",
        "postgresql",
        Stats.of([idle.p99]),
        Stats.of([idle.worst]),
        math.inf,
        unit="s",
    )
    note = f"lock-wait sampler polled {measured.polls_per_second:.0f} times a second"
    if idle.lock_waiters:
        note += f"; {idle.lock_waiters} writer transactions waited on a non-writer's lock while idle"
    result = [replace(idle_row, note=note)]
    for name in operations:
        result += _operation_rows(name, measured)
    return result


def _operation_rows(name: str, measured: Measured) -> list[Row]:
    def of(form: str, table: str, field: str) -> Stats:
        return Stats.of([float(getattr(window, field)) for window in measured.runs[name, form, table]])

    key = f"big-{slug(name)}-{{}}/postgresql"
    idle, lock_timeout = Stats.of([measured.idle.p99]), Stats.of([LOCK_TIMEOUT])
    result = [
        rows.compared(
            key.format("duration"),
            f"{name}: duration, safe (vs plain)",
            "postgresql",
            of("safe", TABLE, "seconds"),
            of("plain", TABLE, "seconds"),
            math.inf,
        )
    ]
    for form in ("plain", "safe"):
        limit = P99_TARGET if form == "safe" else math.inf
        busy = of(form, COPY, "p99")
        vs_busy = rows.compared(
            key.format(f"p99-{form}-busy"),
            f"{name}: writers' p99, {form} (vs busy: {form} on the copy)",
            "postgresql",
            of(form, TABLE, "p99"),
            busy,
            limit,
        )
        result += [
            rows.compared(
                key.format(f"duration-{form}-copy"),
                f"{name}: duration, {form} on the copy (vs on prices)",
                "postgresql",
                of(form, COPY, "seconds"),
                of(form, TABLE, "seconds"),
                math.inf,
            ),
            rows.compared(
                key.format(f"p99-{form}"),
                f"{name}: writers' p99, {form} (vs idle)",
                "postgresql",
                of(form, TABLE, "p99"),
                idle,
                limit,
            ),
            replace(vs_busy, note=_busy_note(measured.runs[name, form, COPY])),
            rows.compared(
                key.format(f"max-{form}"),
                f"{name}: writers' max, {form} (vs lock_timeout)",
                "postgresql",
                of(form, TABLE, "worst"),
                lock_timeout,
                1.0 if form == "safe" else math.inf,
            ),
            rows.compared(
                key.format(f"lock-wait-{form}"),
                f"{name}: writers' longest lock wait, {form} (vs lock_timeout)",
                "postgresql",
                of(form, TABLE, "lock_wait"),
                lock_timeout,
                1.0 if form == "safe" else math.inf,
            ),
        ]
    result.append(
        rows.compared(
            key.format("lock-waiters"),
            f"{name}: writer transactions that waited on a lock, safe (vs plain)",
            "postgresql",
            of("safe", TABLE, "lock_waiters"),
            of("plain", TABLE, "lock_waiters"),
            math.inf,
            unit="tx",
        )
    )
    return result


def _busy_note(windows: list[Window]) -> str:
    """Empty when the busy baseline took no lock the writers needed, as it should; otherwise what the sampler saw."""
    waiters = sum(window.lock_waiters for window in windows)
    if not waiters:
        return ""
    longest = max(window.lock_wait for window in windows)
    return f"not lock-free: {waiters} writer transactions waited on a lock on the copy (longest {longest:.3f} s)"
