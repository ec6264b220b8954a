"""Turning the migration API's results into lines for people and JSON for scripts.

JSON documents all carry ``"schema_version": 1`` and ``"command"``; their shapes are described in
``docs/migrations.en.md`` (section "Machine-readable output").
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from app.infrastructure.database.migration import Difference, MigrationStep, RevisionInfo, RunResult, Status

JSON_SCHEMA_VERSION = 1


def emit_json(command: str, **payload: Any) -> None:
    """Print one JSON document for ``command``."""
    click.echo(json.dumps({"schema_version": JSON_SCHEMA_VERSION, "command": command, **payload}, indent=2))


def revision_label(revisions: tuple[str, ...]) -> str:
    """``abc123``, ``abc123+def456`` or ``base`` for an empty tuple."""
    return "+".join(revisions) if revisions else "base"


def counted(count: int, noun: str) -> str:
    """``1 revision``, ``2 revisions``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def step_line(step: MigrationStep) -> str:
    """One line per revision run: arrow, id, message, time taken."""
    arrow = "↑" if step.direction == "upgrade" else "↓"
    return f"  {arrow} {step.revision}  {step.message}  ({step.seconds:.2f} s)"


def run_summary(result: RunResult) -> str:
    """The closing line of an upgrade or downgrade."""
    count = len(result.steps)
    if count == 0:
        return f"Nothing to do: the database is already at {revision_label(result.to_revisions)}."
    verb = "Upgraded" if result.command == "upgrade" else "Downgraded"
    return (
        f"{verb} {revision_label(result.from_revisions)} → {revision_label(result.to_revisions)}: "
        f"{counted(count, 'revision')} in {result.seconds:.2f} s."
    )


def run_json(result: RunResult) -> dict[str, Any]:
    """The JSON payload of a run."""
    return {
        "from": list(result.from_revisions),
        "to": list(result.to_revisions),
        "steps": [asdict(step) for step in result.steps],
        "seconds": round(result.seconds, 4),
    }


def status_table(status: Status) -> list[str]:
    """Every revision as a row: applied mark, id, create date, message."""
    rows = [("", "revision", "created", "message")]
    for info in status.revisions:
        mark = "[x]" if info.applied else "[ ]"
        head = " (head)" if info.is_head else ""
        rows.append((mark, info.revision + head, (info.create_date or "")[:16], info.message))
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    return [f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:<{widths[2]}}  {row[3]}".rstrip() for row in rows]


def current_line(status: Status) -> str:
    """Where the database stands, and what to do about it."""
    if status.is_up_to_date:
        return f"{revision_label(status.current)} (head): up to date."
    current = revision_label(status.current) if status.current else "no revision (unmigrated database)"
    return f"{current}: {counted(len(status.pending), 'revision')} pending; run `stockdata migrate upgrade`."


def status_json(status: Status) -> dict[str, Any]:
    """The JSON payload of ``status`` and ``current``."""
    return {
        "current": list(status.current),
        "heads": list(status.heads),
        "up_to_date": status.is_up_to_date,
        "pending": [info.revision for info in status.pending],
        "revisions": [revision_json(info) for info in status.revisions],
    }


def revision_json(info: RevisionInfo) -> dict[str, Any]:
    """One revision as JSON."""
    payload = asdict(info)
    payload["down_revisions"] = list(info.down_revisions)
    return payload


def difference_lines(differences: list[Difference]) -> list[str]:
    """One line per difference."""
    return [f"  - {difference.description}" for difference in differences]
