"""``migrate lint``: each revision's PostgreSQL SQL through squawk, plus the checks SQL cannot show.

Each revision's ``upgrade()`` runs offline (:mod:`..inspect.offline`), so every statement is known with the line of the
revision file that produced it; squawk (configured by ``.squawk.toml``) lints the statements, and its findings
are mapped back to those lines. The Python-level checks read the operations ``upgrade()`` and ``downgrade()``
invoke, and the self-check that ``revision`` runs on every file it writes (:mod:`.selfcheck`: ruff's errors, both
functions rendering for PostgreSQL and SQLite) reports as rules ``ruff`` and ``render-failed``. A finding is
silenced by a comment in the statement it points to that names the rule and says why::

    op.create_index("ix_t_c", "t", ["c"])  # migrate-lint: ignore[require-concurrent-index-creation] t has 40 rows

Severity: an **error** fails the lint (exit 18) — the change blocks a table, rewrites it, fails on existing
rows, cannot be undone, loses data, or the file is broken; a **warning** is printed for review — the change is
deliberate but breaks whoever still uses the old shape, or could not be checked.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from alembic.operations.ops import ExecuteSQLOp
from alembic.script import Script, ScriptDirectory

from app.infrastructure.database.migration.author import selfcheck
from app.infrastructure.database.migration.author.renames import rename_hints
from app.infrastructure.database.migration.author.safe_forms import SAFE_FORM_RULES, safe_form_lines
from app.infrastructure.database.migration.author.squawk import run_squawk
from app.infrastructure.database.migration.inspect import revisions
from app.infrastructure.database.migration.inspect.markers import read_markers
from app.infrastructure.database.migration.inspect.offline import OfflineRun, run_offline

ERROR = "error"
WARNING = "warning"

WARNING_RULES = frozenset(
    {
        # squawk: deliberate changes that break clients still using the old shape; deploy the code first.
        "ban-drop-column",
        "ban-drop-table",
        "ban-drop-not-null",
        "ban-drop-constraint",
        "ban-drop-sequence",
        "ban-drop-schema",
        "ban-drop-domain",
        "ban-drop-extension",
        "ban-drop-generated-expression",
        "renaming-column",
        "renaming-table",
        "renaming-object",
        "ban-set-schema",
        # squawk, outside a transaction only (an autocommit block): a failed statement cannot simply be rerun.
        "prefer-robust-stmts",
        # stockdata
        "execute-without-downgrade",
        "offline-render",
        "ignore-without-reason",
    }
)
"""Rules whose findings are warnings; every other rule, squawk's included, reports errors."""

IGNORE_TAG = r"migrate-lint:\s*ignore"


@dataclass(frozen=True)
class LintFinding:
    """One problem in one revision, at the line of the revision file that causes it."""

    revision: str
    path: str
    line: int
    rule: str
    severity: str
    """``"error"`` (fails the lint) or ``"warning"``."""
    message: str


@dataclass(frozen=True)
class LintReport:
    """What ``migrate lint`` found."""

    revisions: tuple[str, ...]
    """The revisions linted, oldest first."""
    findings: tuple[LintFinding, ...]
    compared_with: str | None = None
    """The database whose unapplied revisions were chosen, when none were named."""
    notes: tuple[str, ...] = ()
    """What the lint could not check (ruff not installed)."""

    @property
    def errors(self) -> tuple[LintFinding, ...]:
        """Findings that fail the lint."""
        return tuple(finding for finding in self.findings if finding.severity == ERROR)

    @property
    def warnings(self) -> tuple[LintFinding, ...]:
        """Findings printed for review."""
        return tuple(finding for finding in self.findings if finding.severity == WARNING)


def select(script: ScriptDirectory, names: Sequence[str], *, applied: set[str] | None = None) -> list[Script]:
    """The named revisions (every one when ``names`` is empty) except those in ``applied``, oldest first."""
    with revisions.revision_errors():
        ordered = list(reversed(list(script.walk_revisions())))
    wanted = {rev for name in names for rev in revisions.resolve(script, name)} if names else None
    return [
        rev
        for rev in ordered
        if (wanted is None or rev.revision in wanted) and (applied is None or rev.revision not in applied)
    ]


def lint_scripts(scripts: Sequence[Script], *, compared_with: str | None = None) -> LintReport:
    """Lint ``scripts`` (oldest first): squawk on their upgrade SQL, then the Python-level checks."""
    runs = [(rev, run_offline(rev.module, "upgrade"), run_offline(rev.module, "downgrade")) for rev in scripts]
    squawked = _squawk_findings([(rev, upgrade) for rev, upgrade, _downgrade in runs])
    self_checked = _self_check_findings(scripts)
    findings: list[LintFinding] = []
    for rev, upgrade, downgrade in runs:
        checked = [_finding(rev, line, rule, message) for line, rule, message in _python_checks(upgrade, downgrade)]
        safe_lines = safe_form_lines(rev.path)
        found = [*squawked.get(rev.revision, []), *self_checked.get(rev.revision, []), *checked]
        kept = _apply_ignores(rev, [f for f in found if not (f.line in safe_lines and f.rule in SAFE_FORM_RULES)])
        findings.extend(sorted(kept, key=lambda finding: (finding.line, finding.rule)))
    notes = () if selfcheck.find_ruff() is not None else (selfcheck.ruff_missing("lint skipped the ruff check"),)
    return LintReport(tuple(rev.revision for rev in scripts), tuple(findings), compared_with, notes)


def _self_check_findings(scripts: Sequence[Script]) -> dict[str, list[LintFinding]]:
    """The self-check that ``revision`` runs on the files it writes (ruff errors, offline rendering), by revision."""
    ruff = selfcheck.find_ruff()
    paths = {Path(rev.path): rev for rev in scripts}
    problems = selfcheck.ruff_problems(list(paths), ruff) if ruff is not None else []
    for path, rev in paths.items():
        problems.extend(selfcheck.render_problems(path, rev.module))
    findings: dict[str, list[LintFinding]] = {}
    for problem in problems:
        rev = paths[problem.path]
        findings.setdefault(rev.revision, []).append(_finding(rev, problem.line, problem.rule, problem.message))
    return findings


def _squawk_findings(upgrades: Sequence[tuple[Script, OfflineRun]]) -> dict[str, list[LintFinding]]:
    """squawk's findings on each revision's upgrade SQL, at the lines of the revision file, by revision."""
    findings: dict[str, list[LintFinding]] = {}
    if not upgrades:
        return findings
    with tempfile.TemporaryDirectory(prefix="stockdata-lint-") as folder:
        origins: dict[str, tuple[Script, OfflineRun, list[int]]] = {}
        for rev, upgrade in upgrades:
            sql, lines = _sql_file(upgrade)
            path = Path(folder) / f"{rev.revision}.sql"
            path.write_text(sql, encoding="utf-8")
            origins[path.name] = (rev, upgrade, lines)
        violations = run_squawk([Path(folder) / name for name in origins])
    for violation in violations:
        rev, upgrade, lines = origins[violation.file.name]
        line = lines[violation.line - 1] if 0 < violation.line <= len(lines) else upgrade.function_line
        found = _finding(rev, line, violation.rule, violation.message)
        # One operation's statement can break a rule several times (e.g. per column); its line shows it once.
        if found not in findings.setdefault(rev.revision, []):
            findings[rev.revision].append(found)
    return findings


def _finding(rev: Script, line: int, rule: str, message: str) -> LintFinding:
    severity = WARNING if rule in WARNING_RULES else ERROR
    return LintFinding(rev.revision, rev.path, line, rule, severity, message)


def _sql_file(run: OfflineRun) -> tuple[str, list[int]]:
    """The statements as one SQL text, and for each of its lines the revision line that produced it."""
    text: list[str] = []
    origins: list[int] = []
    for statement in run.statements:
        lines = [*statement.sql.splitlines(), ""]
        text.extend(lines)
        origins.extend([statement.line] * len(lines))
    return "\n".join(text) + "\n", origins


def _python_checks(upgrade: OfflineRun, downgrade: OfflineRun) -> Iterator[tuple[int, str, str]]:
    """(line, rule, message) for what the SQL cannot show."""
    if upgrade.failure is not None and upgrade.needs_database:
        yield (
            upgrade.failure.line,
            "offline-render",
            f"upgrade() cannot run without a database ({upgrade.failure.sql}), so nothing after this line was "
            "linted. Issue SQL through op.execute() rather than op.get_bind(), which offline mode does not have.",
        )
    if downgrade.failure is None and not downgrade.operations and upgrade.operations:
        yield (
            downgrade.function_line,
            "empty-downgrade",
            "downgrade() does nothing, so this revision cannot be undone. Write the reverse operations, or raise "
            "an exception that says why the revision is irreversible.",
        )
    executes = [recorded for recorded in upgrade.operations if isinstance(recorded.operation, ExecuteSQLOp)]
    reverted = any(isinstance(recorded.operation, ExecuteSQLOp) for recorded in downgrade.operations)
    if downgrade.failure is None and not reverted:
        for recorded in executes:
            yield (
                recorded.line,
                "execute-without-downgrade",
                "op.execute() in upgrade() has no op.execute() in downgrade(), so downgrading does not undo this "
                "data change. Add the reverse statement, or ignore this finding if dropping the schema undoes it.",
            )
    for hint in rename_hints(upgrade, downgrade):
        undo = f" (lines {', '.join(map(str, hint.downgrade_lines))})" if hint.downgrade_lines else ""
        yield (
            hint.upgrade_lines[0],
            "drop-and-add",
            f"{hint.description}: if this is a rename, upgrading loses the data. Replace the drop and the add "
            f"(lines {', '.join(map(str, hint.upgrade_lines))}) with {hint.replacement}, and do the reverse in "
            f"downgrade(){undo}.",
        )


def _apply_ignores(rev: Script, findings: list[LintFinding]) -> Iterator[LintFinding]:
    """The findings not silenced by a ``# migrate-lint: ignore[rule] reason`` comment in their statement."""
    source = read_markers(Path(rev.path).read_text(encoding="utf-8"), IGNORE_TAG)
    for marker in source.markers:
        if not marker.reason:
            yield _finding(
                rev,
                marker.line,
                "ignore-without-reason",
                "say why after the brackets; the ignore is not applied until then",
            )
    for finding in findings:
        if not any(finding.rule in marker.names and marker.reason for marker in source.covering(finding.line)):
            yield finding
