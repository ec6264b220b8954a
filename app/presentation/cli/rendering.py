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
    from pathlib import Path

    from app.infrastructure.database.migration.author.lint import LintReport
    from app.infrastructure.database.migration.author.renames import RenameHint
    from app.infrastructure.database.migration.results import (
        Adoption,
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
        more = " more" if result.adoption is not None else ""
        return f"Nothing{more} to do: the database is already at {revision_label(result.to_revisions)}."
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
        "adoption": asdict(result.adoption) if result.adoption is not None else None,
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
    when += {"stamp": " stamped", "adopt": " adopted"}.get(audit.method, "")
    took = "" if audit.seconds is None else f"{audit.seconds:.2f} s"
    return when, took, f"{audit.app_version}@{audit.host}"


def environment_line(status: Status) -> str | None:
    """The environment the database is marked as, if any."""
    return None if status.environment is None else f"Environment: {status.environment}"


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


def lint_lines(report: LintReport, *, errors_only: bool = False) -> list[str]:
    """One line per finding, ``revision:line rule severity: message``, then a summary (unless ``errors_only``)."""
    shown = report.errors if errors_only else report.findings
    lines = [f"{f.revision}:{f.line} {f.rule} {f.severity}: {f.message}" for f in shown]
    if errors_only:
        return lines
    if not report.revisions:
        where = f" to the {report.compared_with}" if report.compared_with else ""
        return [f"Nothing to lint: every revision is applied{where}. Name revisions or use --all."]
    count = len(report.revisions)
    noun = "revision" if count == 1 else "revisions"
    which = f" not yet applied to the {report.compared_with}" if report.compared_with else ""
    verdict = f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)" if report.findings else "clean"
    return [*lines, f"Linted {count} {noun}{which}: {verdict}."]


def lint_json(report: LintReport) -> dict[str, Any]:
    """The JSON payload of ``lint``."""
    return {
        "ok": not report.errors,
        "revisions": list(report.revisions),
        "compared_with": report.compared_with,
        "errors": len(report.errors),
        "warnings": len(report.warnings),
        "findings": [asdict(finding) for finding in report.findings],
        "notes": list(report.notes),
    }


def rename_question(hint: RenameHint) -> str:
    """Django's question, for one likely rename."""
    if hint.kind == "table":
        return f"Did you rename table {hint.old} to {hint.new} (same columns: {hint.shape})?"
    return f"Did you rename {hint.table}.{hint.old} to {hint.table}.{hint.new} (a {hint.shape})?"


def rename_warning(hint: RenameHint, path: Path) -> str:
    """The warning after writing a revision with a likely rename, naming the lines to change."""
    upgrade = ", ".join(map(str, hint.upgrade_lines))
    downgrade = f" and lines {', '.join(map(str, hint.downgrade_lines))} (downgrade) with the reverse"
    return (
        f"Warning: {hint.description}. If this is a rename, upgrading loses the data: in {path}, replace lines "
        f"{upgrade} (upgrade) with {hint.replacement}{downgrade if hint.downgrade_lines else ''} — or delete the "
        "file and rerun with --interactive."
    )


def adoption_lines(adoption: Adoption, *, dry_run: bool) -> list[str]:
    """What ``adopt`` found and did (or, in a dry run, would do), statement by statement."""
    if adoption.state == "versioned":
        return [f"Nothing to adopt: the database is already at {revision_label(adoption.current)}."]
    foreign = [f"Not modelled by the application, left untouched: {', '.join(adoption.foreign_tables)}"]
    foreign = foreign if adoption.foreign_tables else []
    if adoption.state == "empty":
        return [
            "Nothing to adopt: none of the application's tables exist; `stockdata migrate upgrade` creates them.",
            *foreign,
        ]
    lines = ["A database without a revision, in a known legacy state:", *_adopted_tables(adoption), *foreign]
    lines.append(f"Statements, in one transaction, then stamp {adoption.revision}:")
    for statement in adoption.statements:
        lines += ["  " + line for line in f"{statement};".splitlines()]
    if dry_run:
        lines.append("Dry run: nothing was changed. Run `stockdata migrate adopt` to apply.")
    else:
        lines.append(f"Adopted: {len(adoption.statements)} statement(s) run and {adoption.revision} stamped.")
    return lines


def _adopted_tables(adoption: Adoption) -> list[str]:
    width = max(len(table.table) for table in adoption.tables)
    found = max(len(table.found) for table in adoption.tables)
    lines = []
    for table in adoption.tables:
        lines.append(f"  {table.table:<{width}}  {table.found:<{found}}  ({table.source})")
        lines += [f"  {'':<{width}}    · {note}" for note in table.notes]
    return lines


def adoption_summary(adoption: Adoption) -> str:
    """One line saying that an upgrade adopted a legacy database first."""
    found = "; ".join(f"{table.table}: {table.found}" for table in adoption.tables)
    return (
        f"Adopted the legacy database first ({found}): {len(adoption.statements)} statement(s), "
        f"stamped {adoption.revision}."
    )


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
