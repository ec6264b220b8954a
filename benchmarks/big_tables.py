"""7. Big tables: each operation's plain form (what autogenerate wrote before) and its safe form, on a loaded
``prices``, under a concurrent pgbench write load, against the writers' idle latency.

For each operation and form: a revision on top of the initial one, applied by ``stockdata migrate upgrade --json``
while pgbench writes (the step's own seconds are the operation's duration), then undone by a downgrade outside the
measurement. The writers' p99 and max latency cover the transactions running during the step.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import time
from pathlib import Path

from app.infrastructure.database.migration.setup import SCRIPT_LOCATION
from benchmarks import rows
from benchmarks.databases import Scratch
from benchmarks.measure import CommandFailedError, Stats
from benchmarks.rows import Row
from benchmarks.write_load import WriteLoad, wait_seconds
from harness.commands import STOCKDATA
from harness.queries import execute

INITIAL = "dceebfc4ff9f"
LOCK_TIMEOUT = 5.0
"""The default ``MIGRATION_DDL_LOCK_TIMEOUT``: with the safe forms, no write should wait longer."""
EXIT_SLACK = 0.3
"""Seconds between the end of the measured step and the end of its command, at most."""
P99_TARGET = 2.0
"""The issue's target: the writers' p99 during a safe form at most twice their idle p99."""

FILL = """
INSERT INTO stocks (ticker_symbol, company_name, market) SELECT 'T' || g, 'Company ' || g, 'Prime'
FROM generate_series(0, 3999) AS g;
INSERT INTO prices (ticker_symbol, "timestamp", open, high, low, close, volume, adjusted_close)
SELECT 'T' || g % 4000, TIMESTAMP '2000-01-01' + (g / 4000) * INTERVAL '1 day', 1, 2, 0.5, 1.5, g % 100000, 1.5
FROM generate_series(0, {count} - 1) AS g;
ANALYZE prices;
"""
OPERATIONS: dict[str, tuple[str, str, str]] = {
    "add an index": (
        "op.create_index('ix_prices_close', 'prices', ['close'])",
        "safe.create_index('ix_prices_close', 'prices', ['close'])",
        "op.drop_index('ix_prices_close', 'prices')",
    ),
    "add a foreign key": (
        "op.create_foreign_key('fk_bench', 'prices', 'stocks', ['ticker_symbol'], ['ticker_symbol'])",
        "safe.create_foreign_key('fk_bench', 'prices', 'stocks', ['ticker_symbol'], ['ticker_symbol'])",
        "op.drop_constraint('fk_bench', 'prices', type_='foreignkey')",
    ),
    "add a CHECK": (
        "op.create_check_constraint(op.f('ck_bench'), 'prices', 'volume >= 0')",
        "safe.create_check_constraint('ck_bench', 'prices', 'volume >= 0')",
        "op.drop_constraint(op.f('ck_bench'), 'prices', type_='check')",
    ),
    "set NOT NULL": (
        "op.alter_column('prices', 'adjusted_close', nullable=False)",
        "safe.set_not_null('prices', 'adjusted_close')",
        "op.alter_column('prices', 'adjusted_close', nullable=True)",
    ),
    "add a backfilled column": (
        "op.add_column('prices', sa.Column('turnover', sa.Float()))\n"
        "op.execute('UPDATE prices SET turnover = close * volume')\n"
        "op.alter_column('prices', 'turnover', nullable=False, server_default='0')",
        "safe.add_column('prices', sa.Column('turnover', sa.Float(), nullable=False, server_default='0'), "
        "backfill='close * volume')",
        "op.drop_column('prices', 'turnover')",
    ),
    "widen Integer to BigInteger": (
        "op.alter_column('prices', 'volume', type_=sa.BigInteger(), existing_type=sa.Integer())",
        "safe.alter_column_type('prices', 'volume', sa.BigInteger(), existing_type=sa.Integer())",
        "op.alter_column('prices', 'volume', type_=sa.Integer(), existing_type=sa.BigInteger())",
    ),
}
REVISION = '''"""{form}: {name}"""

import sqlalchemy as sa
from alembic import op

from app.infrastructure.database.migration import safe

revision = "bench"
down_revision = "{initial}"
branch_labels = None
depends_on = None


def upgrade() -> None:
{upgrade}


def downgrade() -> None:
{downgrade}
'''


def compare_big_tables(scratch: Scratch, folder: Path, *, count: int, runs: int, idle_seconds: float) -> list[Row]:
    """Every operation in its plain and its safe form on ``count`` rows of ``prices``, ``runs`` times each."""
    scripts = folder / "big-tables"
    shutil.copytree(SCRIPT_LOCATION, scripts, ignore=shutil.ignore_patterns("__pycache__", "versions"))
    (scripts / "versions").mkdir()
    shutil.copy(next((SCRIPT_LOCATION / "versions").glob(f"*{INITIAL}*.py")), scripts / "versions")
    url = scratch.new()
    env = {"DATABASE_URL": url, "MIGRATION_SCRIPT_LOCATION": str(scripts)}
    _stockdata(env, "upgrade")
    execute(url, *[statement for statement in FILL.format(count=count).split(";") if statement.strip()])
    load = WriteLoad(url, folder / "pgbench")
    load.start()
    try:
        idle_window = wait_seconds(idle_seconds)
        windows = {
            (name, form): [_measure(scripts, env, name, form) for _ in range(runs)]
            for name in OPERATIONS
            for form in ("plain", "safe")
        }
    finally:
        load.stop()  # pgbench's logs are complete once its last segment has ended
        scratch.discard(url)
    idle = load.latencies(*idle_window)
    measured = {
        operation: [(seconds, *_writers(load.latencies(start, end))) for seconds, start, end in runs_of]
        for operation, runs_of in windows.items()
    }
    idle_p99, lock_timeout = Stats.of([_p99(idle)]), Stats.of([LOCK_TIMEOUT])
    result = [
        rows.compared(
            "big-idle/postgresql",
            "big tables: writers' idle p99 (vs max)",
            "postgresql",
            idle_p99,
            Stats.of([max(idle)]),
            math.inf,
            unit="s",
        )
    ]
    for name in OPERATIONS:
        plain, safe = measured[name, "plain"], measured[name, "safe"]
        key = "big-" + name.replace(" ", "-").lower() + "-{}/postgresql"
        result += [
            rows.compared(
                key.format("duration"),
                f"{name}: duration, safe (vs plain)",
                "postgresql",
                _stats(safe, 0),
                _stats(plain, 0),
                math.inf,
                unit="s",
            ),
            rows.compared(
                key.format("p99-plain"),
                f"{name}: writers' p99, plain (vs idle)",
                "postgresql",
                _stats(plain, 1),
                idle_p99,
                P99_TARGET,
                unit="s",
            ),
            rows.compared(
                key.format("p99-safe"),
                f"{name}: writers' p99, safe (vs idle)",
                "postgresql",
                _stats(safe, 1),
                idle_p99,
                P99_TARGET,
                unit="s",
            ),
            rows.compared(
                key.format("max-plain"),
                f"{name}: writers' max, plain (vs lock_timeout)",
                "postgresql",
                _stats(plain, 2),
                lock_timeout,
                math.inf,
                unit="s",
            ),
            rows.compared(
                key.format("max-safe"),
                f"{name}: writers' max, safe (vs lock_timeout)",
                "postgresql",
                _stats(safe, 2),
                lock_timeout,
                1.0,
                unit="s",
            ),
        ]
    return result


def _measure(scripts: Path, env: dict[str, str], name: str, form: str) -> tuple[float, float, float]:
    """(duration, start, end) of one run of ``name`` in ``form`` (epoch seconds), undone afterwards."""
    plain, safe, undo = OPERATIONS[name]
    body = plain if form == "plain" else safe
    revision = scripts / "versions" / "bench.py"
    revision.write_text(
        REVISION.format(form=form, name=name, initial=INITIAL, upgrade=_indented(body), downgrade=_indented(undo))
    )
    time.sleep(0.5)  # let the writers settle after the previous undo
    output = _stockdata(env, "upgrade", "--json")
    ended = time.time()
    seconds = float(json.loads(output)["steps"][0]["seconds"])
    _stockdata(env, "downgrade", "--yes", INITIAL)
    revision.unlink()
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


def _indented(code: str) -> str:
    return "\n".join("    " + line for line in code.splitlines())


def _writers(latencies: list[float]) -> tuple[float, float]:
    """The writers' p99 and max latency (0 when no transaction overlapped the window)."""
    return _p99(latencies), max(latencies, default=0.0)


def _p99(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, math.ceil(0.99 * len(ordered)) - 1)] if ordered else 0.0


def _stats(samples: list[tuple[float, float, float]], field: int) -> Stats:
    return Stats.of([sample[field] for sample in samples])
