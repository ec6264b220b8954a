"""The results as a table for people and as JSON for a later run to compare with."""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Sequence
from dataclasses import asdict
from importlib.metadata import version
from pathlib import Path
from typing import Any

from benchmarks.measure import Stats
from benchmarks.rows import Row, shown

SCHEMA_VERSION = 1
MACHINE_NOTE = (
    "medians are quoted because the machines are shared (other jobs run beside the benchmark), so single runs and "
    "min-max spreads are noisy. Read the ratios, which compare runs taken in turns, rather than absolute seconds, "
    "and re-run before trusting a difference of a few per cent."
)


def machine(postgres_version: str | None, load_before: tuple[float, ...]) -> dict[str, Any]:
    """What the numbers were measured on."""
    return {
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "load_average_before": [round(load, 2) for load in load_before],
        "load_average_after": [round(load, 2) for load in os.getloadavg()],
        "python": platform.python_version(),
        "alembic": version("alembic"),
        "sqlalchemy": version("sqlalchemy"),
        "postgresql": postgres_version,
        "note": MACHINE_NOTE,
    }


def header(info: dict[str, Any]) -> list[str]:
    """The machine line and the note printed above the table."""
    return [
        f"Machine: {info['host']}, {info['cpus']} CPUs, load average {info['load_average_before'][0]} before and "
        f"{info['load_average_after'][0]} after; Python {info['python']}, Alembic {info['alembic']}, "
        f"SQLAlchemy {info['sqlalchemy']}, PostgreSQL {info['postgresql'] or '-'}.",
        f"Note: {MACHINE_NOTE}",
    ]


def table(rows: list[Row]) -> list[str]:
    """The rows as aligned text: medians with min-max, ratio, target and whether it is met; then the notes."""
    lines = [
        (
            "comparison",
            "backend",
            "ours: median (min-max)",
            "baseline: median (min-max)",
            "ratio",
            "target",
            "met",
            "cpu",
        )
    ]
    for row in rows:
        met = "n/a" if row.met is None else "yes" if row.met else "NO"
        ours, baseline = _stats(row.ours, row.unit), _stats(row.baseline, row.unit)
        cells = (row.shown_value(), row.shown_target(), met, row.shown_cpu())
        lines.append((row.title, row.backend, ours, baseline, *cells))
    notes = [f"  {row.title} [{row.backend}]: {row.note}" for row in rows if row.note]
    return _aligned(lines) + (["", "Notes:", *notes] if notes else [])


def comparison(rows: list[Row], previous_path: Path) -> list[str]:
    """This run's medians and ratios next to those of an earlier JSON document, for the rows both have."""
    previous = {row["key"]: row for row in json.loads(previous_path.read_text())["rows"]}
    lines = [("comparison", "backend", "ours median: before -> now", "change", "ratio: before -> now")]
    for row in rows:
        old = previous.get(row.key)
        if old is None or old["ours"] is None or row.ours is None:
            continue
        before, now = old["ours"]["median"], row.ours.median
        old_value = "-" if old["value"] is None else shown(old["value"], row.kind)
        lines.append(
            (
                row.title,
                row.backend,
                f"{before:.3f} -> {now:.3f} {row.unit}",
                f"{(now / before - 1) * 100:+.1f} %",
                f"{old_value} -> {row.shown_value()}",
            )
        )
    return _aligned(lines)


def document(
    rows: list[Row], *, started: str, machine_info: dict[str, Any], settings: dict[str, Any]
) -> dict[str, Any]:
    """The JSON document of a run."""
    return {
        "schema_version": SCHEMA_VERSION,
        "started": started,
        "machine": machine_info,
        "settings": settings,
        "rows": [asdict(row) for row in rows],
    }


def write(path: Path, payload: dict[str, Any]) -> None:
    """Write ``payload`` as JSON to ``path`` (creating its folder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")


def _stats(stats: Stats | None, unit: str) -> str:
    if stats is None:
        return "-"
    if len(stats.runs) == 1:
        return f"{stats.median:.3g} {unit}"
    return f"{stats.median:.3f} {unit} ({stats.low:.3f}-{stats.high:.3f})"


def _aligned(lines: Sequence[tuple[str, ...]]) -> list[str]:
    widths = [max(len(line[column]) for line in lines) for column in range(len(lines[0]))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip() for line in lines]
