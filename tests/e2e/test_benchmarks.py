"""The benchmark harness still runs: a tiny quick run on SQLite (speed is never asserted, only the output)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.helpers import run


def test_quick_run_prints_the_table_writes_json_and_compares(tmp_path: Path) -> None:
    previous = tmp_path / "previous.json"
    previous.write_text(json.dumps({"rows": [{"key": "help", "ours": {"median": 1.0}, "value": 2.0}]}))
    output = tmp_path / "now.json"

    result = run(
        [
            sys.executable,
            "-m",
            "benchmarks",
            "--quick",
            "--backend",
            "sqlite",
            "--only",
            "chain",
            "--only",
            "help",
            "--runs",
            "1",
            "--warmup",
            "0",
            "--chain-length",
            "2",
            "--output",
            output,
            "--compare",
            previous,
        ]
    )

    assert result.returncode == 0, result.stderr
    rows = json.loads(output.read_text())["rows"]
    assert [row["key"] for row in rows] == [
        "chain-current/sqlite",
        "chain-upgrade/sqlite",
        "chain-upgrade-stock/sqlite",
        "chain-per-revision/sqlite",
        "chain-upgrade-rss/sqlite",
        "chain-profile/sqlite",
        "help",
        "migrate-help",
    ]
    profile = next(row for row in rows if row["key"] == "chain-profile/sqlite")
    assert profile["met"] is None, "the profile has no target"
    assert all(f"{part} " in profile["note"] for part in ("stockdata", "Alembic", "database", "imports"))
    measured = [row for row in rows if row["key"] not in ("chain-per-revision/sqlite", "chain-profile/sqlite")]
    assert all(row["ours"]["median"] > 0 and row["baseline"]["median"] > 0 for row in measured)
    assert all(isinstance(row["met"], bool) for row in measured)
    assert "upgrade, 2-revision chain (vs stock Alembic)" in result.stdout
    assert "Note: medians are quoted" in result.stdout
    compared = result.stdout.split("Compared with")[1].splitlines()
    assert [line.split("  ")[0] for line in compared[2:]] == ["stockdata --help (vs alembic --help)"]
    assert "1.000 -> " in compared[2]
    assert "2.00x -> " in compared[2]


def test_the_read_only_rows_compare_four_commands_with_alembic_current(tmp_path: Path) -> None:
    output = tmp_path / "now.json"
    arguments = ["--backend", "sqlite", "--only", "current", "--runs", "1", "--warmup", "0", "--output", output]

    result = run([sys.executable, "-m", "benchmarks", *arguments])

    assert result.returncode == 0, result.stderr
    rows = json.loads(output.read_text())["rows"]
    assert [row["key"] for row in rows] == ["current/sqlite", "status/sqlite", "heads/sqlite", "history/sqlite"]
    assert {row["limit"] for row in rows} == {0.5}
    assert all(isinstance(row["met"], bool) and row["baseline"]["median"] > 0 for row in rows)
    assert "history (vs alembic current)" in result.stdout


def test_big_tables_report_lock_waits_and_the_busy_baseline(postgres_server: str, tmp_path: Path) -> None:
    # The plain backfill holds ACCESS EXCLUSIVE on prices through its UPDATE: the sampler must see the writers wait
    # (a sampler that saw nothing would read as "no lock"), and must see none while the same work runs on the copy.
    output = tmp_path / "big.json"

    result = run(
        [
            sys.executable,
            "-m",
            "benchmarks",
            "--backend",
            "postgresql",
            "--only",
            "big-tables",
            "--big-table-rows",
            "50000",
            "--big-table-operation",
            "add-a-backfilled-column",
            "--postgres-url",
            postgres_server,
            "--output",
            output,
        ]
    )

    assert result.returncode == 0, result.stderr
    rows = {row["key"].removesuffix("/postgresql"): row for row in json.loads(output.read_text())["rows"]}
    prefix = "big-add-a-backfilled-column-"
    assert sorted(key.removeprefix(prefix) for key in rows if key.startswith(prefix)) == [
        "duration",
        "duration-plain-copy",
        "duration-safe-copy",
        "lock-wait-plain",
        "lock-wait-safe",
        "lock-waiters",
        "max-plain",
        "max-safe",
        "p99-plain",
        "p99-plain-busy",
        "p99-safe",
        "p99-safe-busy",
    ]
    plain_wait, waiters = rows[prefix + "lock-wait-plain"], rows[prefix + "lock-waiters"]
    assert plain_wait["ours"]["median"] > 0.01
    assert plain_wait["baseline"]["median"] == 5.0
    assert waiters["baseline"]["median"] >= 1
    assert rows[prefix + "p99-plain-busy"]["note"] == ""
    assert rows[prefix + "p99-safe-busy"]["note"] == ""
    assert rows[prefix + "p99-safe-busy"]["baseline"]["median"] > 0
    assert "lock-wait sampler polled" in rows["big-idle"]["note"]
    assert "writers' longest lock wait, plain (vs lock_timeout)" in result.stdout
    assert "writers' p99, safe (vs busy: safe on the copy)" in result.stdout
