"""Turning the pre-flight (what a run would destroy or fail on in the data) into lines and JSON.

Beside ``rendering.py``, which renders every other result; JSON documents follow the same rules (``schema_version``,
``command``), described in the guide's "Machine-readable output".
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from app.presentation.cli.rendering import revision_json

if TYPE_CHECKING:
    from app.infrastructure.database.migration.results import Finding, Preflight


def finding_lines(findings: tuple[Finding, ...], direction: str) -> list[str]:
    """Each finding with its verdict, then whether the run would be refused."""
    if not findings:
        return ["Pre-flight: nothing destroyed, nothing the data cannot take."]
    lines = ["Pre-flight (what the data says):"]
    for finding in findings:
        if finding.refused:
            verdict = "REFUSED: not acknowledged"
        elif finding.acknowledged is not None:
            verdict = f"acknowledged: {finding.acknowledged}"
        else:
            verdict = "no rows hit"
        lines.append(f"  {'✗' if finding.refused else '✓'} {finding.summary} — {verdict}")
    refused = [finding for finding in findings if finding.refused]
    if refused:
        lines.append(
            f"The {direction} would be refused (exit 19): write a rename as a rename, backfill or clean the data "
            "first, or acknowledge the operation with `# migrate: destroys-data <reason>` on its line."
        )
    return lines


def acknowledged_lines(findings: tuple[Finding, ...]) -> list[str]:
    """The rows the revisions say may be lost, with their reasons, for the downgrade's question (empty if none)."""
    agreed = [finding for finding in findings if finding.rows and finding.acknowledged is not None]
    if not agreed:
        return []
    return ["Acknowledged by the revisions:", *(f"  ✓ {f.summary} — {f.acknowledged}" for f in agreed)]


def preflight_lines(preflight: Preflight) -> list[str]:
    """What ``upgrade --dry-run`` shows after the SQL: the revisions, the findings and the notes."""
    lines = [f"This {preflight.direction} applies, in order:" if preflight.revisions else "Nothing to apply."]
    lines += [f"  ↑ {info.revision}  {info.message}" for info in preflight.revisions]
    lines += finding_lines(preflight.findings, preflight.direction)
    lines += [f"Note: {note}" for note in preflight.notes]
    return lines


def finding_json(finding: Finding) -> dict[str, Any]:
    """One finding as JSON: its fields, plus ``refused``."""
    return {**asdict(finding), "columns": list(finding.columns), "samples": list(finding.samples),
            "refused": finding.refused}  # fmt: skip


def preflight_json(preflight: Preflight) -> dict[str, Any]:
    """The JSON payload of ``upgrade --dry-run``."""
    return {
        "revisions": [revision_json(info) for info in preflight.revisions],
        "findings": [finding_json(finding) for finding in preflight.findings],
        "refused": bool(preflight.refused),
        "sql": preflight.sql,
        "notes": list(preflight.notes),
    }
