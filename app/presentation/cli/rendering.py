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
    from app.infrastructure.database.migration import (
        AuditRecord,
        DataLoss,
        Difference,
        DowngradePreview,
        MigrationStep,
        RevisionInfo,
        RunResult,
        Status,
        Verification,
    )

JSON_SCHEMA_VERSION = 1


def emit_json(command: str, **payload: Any) -> None:
    """Print one JSON document for ``command``."""
    click.echo(json.dumps({"schema_version": JSON_SCHEMA_VERSION, "command": command, **payload}, indent=2))


def revision_label(revisions: tuple[str, ...]) -> str:
    """``abc123``, ``abc123+def456`` or ``base`` for an empty tuple."""
    return "+".join(revisions) if revisions else "base"


def step_line(step: MigrationStep) -> str:
    """One line per revision run: arrow, id, message, time taken."""
    arrow = "↑" if step.direction == "upgrade" else "↓"
    return f"  {arrow} {step.revision}  {step.message}  ({step.seconds:.2f} s)"


def run_summary(result: RunResult) -> str:
    """The closing line of an upgrade or downgrade."""
    count = len(result.steps)
    if count == 0:
        return f"Nothing to do: the database is already at {revision_label(result.to_revisions)}."
    noun = "revision" if count == 1 else "revisions"
    verb = "Upgraded" if result.command == "upgrade" else "Downgraded"
    return (
        f"{verb} {revision_label(result.from_revisions)} → {revision_label(result.to_revisions)}: "
        f"{count} {noun} in {result.seconds:.2f} s."
    )


def run_json(result: RunResult) -> dict[str, Any]:
    """The JSON payload of a run."""
    return {
        "from": list(result.from_revisions),
        "to": list(result.to_revisions),
        "steps": [asdict(step) for step in result.steps],
        "seconds": round(result.seconds, 4),
        "notes": list(result.notes),
    }


def status_table(status: Status) -> list[str]:
    """Every revision as a row: applied mark, id, create date, when/how long/by whom applied, message."""
    rows = [("", "revision", "created", "applied (UTC)", "took", "by", "message")]
    for info in status.revisions:
        mark = "[x]" if info.applied else "[ ]"
        head = " (head)" if info.is_head else ""
        rows.append(
            (mark, info.revision + head, (info.create_date or "")[:16], *_audit_cells(info.audit), info.message)
        )
    widths = [max(len(row[column]) for row in rows) for column in range(6)]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, [*widths, 0], strict=True)).rstrip() for row in rows
    ]


def _audit_cells(audit: AuditRecord | None) -> tuple[str, str, str]:
    if audit is None:
        return "", "", ""
    when = "(before checksums)" if audit.applied_at is None else audit.applied_at[:19].replace("T", " ")
    if audit.method == "stamp":
        when += " stamped"
    took = "" if audit.seconds is None else f"{audit.seconds:.2f} s"
    return when, took, f"{audit.app_version}@{audit.host}"


def environment_line(status: Status) -> str | None:
    """The environment the database is marked as, if any."""
    return None if status.environment is None else f"Environment: {status.environment}"


def current_line(status: Status) -> str:
    """Where the database stands, and what to do about it."""
    if status.is_up_to_date:
        return f"{revision_label(status.current)} (head): up to date."
    pending = len(status.pending)
    noun = "revision" if pending == 1 else "revisions"
    current = revision_label(status.current) if status.current else "no revision (unmigrated database)"
    return f"{current}: {pending} {noun} pending; run `stockdata migrate upgrade`."


def status_json(status: Status) -> dict[str, Any]:
    """The JSON payload of ``status`` and ``current``."""
    return {
        "current": list(status.current),
        "heads": list(status.heads),
        "up_to_date": status.is_up_to_date,
        "pending": [info.revision for info in status.pending],
        "revisions": [revision_json(info) for info in status.revisions],
        "environment": status.environment,
    }


def revision_json(info: RevisionInfo) -> dict[str, Any]:
    """One revision as JSON."""
    payload = asdict(info)
    payload["down_revisions"] = list(info.down_revisions)
    return payload


def difference_lines(differences: list[Difference]) -> list[str]:
    """One line per difference."""
    return [f"  - {difference.description}" for difference in differences]


def loss_line(loss: DataLoss) -> str:
    """One thing a downgrade destroys, with how much data it holds now."""
    if loss.rows is None:
        amount = "not in the database now"
    elif loss.kind == "drop_column":
        amount = _count(loss.rows, "non-null value")
    else:
        amount = ("up to " if loss.kind == "delete_rows" else "") + _count(loss.rows, "row")
    what = {"drop_table": "drop table", "drop_column": "drop column", "delete_rows": "delete rows from"}[loss.kind]
    target = f"{loss.table}.{loss.column}" if loss.column is not None else loss.table
    return f"{what} {target} ({amount})"


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def preview_lines(preview: DowngradePreview) -> list[str]:
    """What a downgrade undoes and destroys, for the confirmation and ``--dry-run``."""
    lines = ["This downgrade undoes, in order:"]
    lines += [f"  ↓ {info.revision}  {info.message}" for info in preview.revisions]
    if preview.losses:
        lines.append("What it destroys:")
        lines += [f"  - {loss_line(loss)}" for loss in preview.losses]
    else:
        lines.append("It drops no table or column and deletes no rows.")
    lines += [f"Note: {note}" for note in preview.notes]
    return lines


def preview_json(preview: DowngradePreview) -> dict[str, Any]:
    """The JSON payload of ``downgrade --dry-run``."""
    return {
        "revisions": [revision_json(info) for info in preview.revisions],
        "losses": [asdict(loss) for loss in preview.losses],
        "sql": preview.sql,
        "notes": list(preview.notes),
    }


def verification_lines(verification: Verification) -> list[str]:
    """What ``verify`` found, one line per mismatch, and a closing line."""
    lines = []
    for found in verification.mismatches:
        applied = found.applied
        when = applied.applied_at or "before checksums were kept"
        who = f"applied {when} by {applied.app_version}@{applied.host}"
        if found.problem == "missing":
            lines.append(f"  MISSING   {found.revision}  its script is gone ({who})")
        else:
            change = f"checksum {found.recorded_checksum[:12]} → {(found.current_checksum or '')[:12]}"
            lines.append(f"  MODIFIED  {found.revision}  {found.message}  ({change}; {who})")
    if verification.unrecorded:
        lines.append(
            f"  {len(verification.unrecorded)} applied revision(s) have no checksum yet "
            f"({', '.join(verification.unrecorded)}); the next upgrade records them."
        )
    if verification.ok:
        lines.append(f"OK: the {verification.checked} recorded revision(s) match their scripts.")
    return lines


def verification_json(verification: Verification) -> dict[str, Any]:
    """The JSON payload of ``verify``."""
    return {
        "ok": verification.ok,
        "checked": verification.checked,
        "mismatches": [asdict(found) for found in verification.mismatches],
        "unrecorded": list(verification.unrecorded),
    }
