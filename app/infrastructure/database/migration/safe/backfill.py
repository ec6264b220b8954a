"""A batched, throttled, resumable ``UPDATE`` for revisions that fill a column on a big table.

The progress lives in the data itself: each batch updates only rows still matching ``where`` (e.g.
``new IS NULL``) in one key range and commits, so after a crash — kill -9 included — the next run counts what is
left and goes on from there; nothing to keep in step with the rows, nothing a crash can leave wrong.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from alembic import op
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.infrastructure.database.migration.safe.context import on_postgresql, online, own_transactions, qualified, quote
from app.infrastructure.database.migration.safe.progress import BackfillProgress, report

REPORT_EVERY = 1.0
"""Seconds between two progress reports (the last batch is always reported)."""
RETRIES = 3
"""Attempts per batch that hit a deadlock or the lock timeout against the application's writes."""
_TRANSIENT = frozenset({"40P01", "55P03"})


def backfill(
    table_name: str,
    *,
    set_: Mapping[str, str],
    where: str,
    key: str = "id",
    schema: str | None = None,
    batch_size: int = 10_000,
    pause: float = 0.0,
    target_seconds: float | None = None,
) -> int:
    """``UPDATE table SET col = expr, … WHERE (where)`` in batches of ``key`` ranges, each committed; rows updated.

    ``set_`` maps columns to SQL expressions, ``where`` selects the rows still to do (and must stop matching a row
    once it is done), ``key`` is an integer column (the primary key). Between batches it sleeps ``pause`` seconds;
    with ``target_seconds`` the range grows or shrinks so that a batch takes about that long. Progress (rows,
    rows/s, ETA) goes to the run's progress output. On SQLite, and offline, it is one ``UPDATE`` in the
    revision's transaction.
    """
    assignments = ", ".join(f"{quote(column)} = {expression}" for column, expression in set_.items())
    update = f"UPDATE {qualified(table_name, schema)} SET {assignments} WHERE ({where})"
    if not (on_postgresql() and online()):
        op.execute(update)
        return 0
    with own_transactions():
        return _batched(table_name, update, where, quote(key), schema, batch_size, pause, target_seconds)


def _batched(
    table: str,
    update: str,
    where: str,
    key: str,
    schema: str | None,
    width: int,
    pause: float,
    target_seconds: float | None,
) -> int:
    bind = op.get_bind()
    remaining = f"SELECT count(*), min({key}), max({key}) FROM {qualified(table, schema)} WHERE ({where})"
    total, low, high = bind.execute(text(remaining)).one()
    started = reported = time.monotonic()
    done = 0
    # A second look catches rows written with ``where`` still true while the first pass ran (new keys above ``high``).
    for _ in range(2):
        if not total:
            break
        start = low
        while start <= high:
            batch_started = time.monotonic()
            done += _update_range(update, key, start, start + width)
            start += width
            now = time.monotonic()
            if target_seconds:
                width = max(1, min(width * 4, round(width * target_seconds / max(now - batch_started, 1e-3))))
            if now - reported >= REPORT_EVERY or start > high:
                report(BackfillProgress(table, done, max(total, done), now - started))
                reported = now
            if pause:
                time.sleep(pause)
        count, low, new_high = bind.execute(text(remaining)).one()
        if not count:
            break
        total, high = total + count, new_high
    return done


def _update_range(update: str, key: str, start: int, stop: int) -> int:
    statement = text(f"{update} AND {key} >= :start AND {key} < :stop")
    attempt = 1
    while True:
        try:
            return int(op.get_bind().execute(statement, {"start": start, "stop": stop}).rowcount)
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) not in _TRANSIENT or attempt == RETRIES:
                raise
            time.sleep(0.1 * attempt)
            attempt += 1
