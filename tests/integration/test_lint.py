"""``migrate lint``: squawk and the Python-level checks on revisions in a throwaway scripts folder."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from app.infrastructure.database.migration import lint_migrations, upgrade_database
from app.infrastructure.database.migration.author.lint import LintReport
from harness.commands import STOCKDATA
from tests.helpers import run
from tests.scripts_folder import line_of, project_head, write_revision

HEAD = project_head()

DANGEROUS = {
    "index": (
        'op.create_index("ix_listed_info_company_name", "listed_info", ["company_name"])',
        'op.drop_index("ix_listed_info_company_name", "listed_info")',
        "op.create_index(",
        "require-concurrent-index-creation",
    ),
    "required": (
        """
        with op.batch_alter_table("stocks") as batch_op:
            batch_op.add_column(sa.Column("isin", sa.String(12), nullable=False))
        """,
        'op.drop_column("stocks", "isin")',
        "batch_op.add_column(",
        "adding-required-field",
    ),
    "pass": (
        'op.add_column("stocks", sa.Column("isin", sa.String(12), nullable=True))',
        "pass",
        "def downgrade",
        "empty-downgrade",
    ),
}


def lint(scripts: Path, *args: str) -> tuple[int, str, str]:
    """Run ``stockdata migrate lint`` on ``scripts``: exit code, stdout, stderr."""
    done = run([STOCKDATA, "migrate", "lint", *args], env={"MIGRATION_SCRIPT_LOCATION": str(scripts)})
    return done.returncode, done.stdout, done.stderr


def findings(report: LintReport) -> set[tuple[int, str, str]]:
    """(line, rule, severity) of each finding."""
    return {(finding.line, finding.rule, finding.severity) for finding in report.findings}


@pytest.mark.parametrize("case", DANGEROUS)
def test_each_dangerous_revision_is_reported_at_its_line_and_fails(scripts: Path, case: str) -> None:
    upgrade, downgrade, marker, rule = DANGEROUS[case]
    path = write_revision(scripts, "a1b2c3d4e5f6", down_revision=HEAD, upgrade=upgrade, downgrade=downgrade)

    code, out, err = lint(scripts, "a1b2c3d4e5f6")

    assert code == 18, out + err
    assert f"a1b2c3d4e5f6:{line_of(path, marker)} {rule} error: " in out
    assert out.count(" error: ") == 1, out
    assert "Linted 1 revision: 1 error(s), 0 warning(s)." in out
    assert err.startswith("Error: 1 lint error(s)")


def test_the_project_revisions_lint_clean() -> None:
    done = run([STOCKDATA, "migrate", "lint", "--all"])

    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("Linted ")
    assert done.stdout.rstrip().endswith(": clean.")


def test_by_default_only_revisions_the_database_has_not_applied_are_linted(database_url: str, scripts: Path) -> None:
    upgrade, downgrade, _marker, _rule = DANGEROUS["index"]
    write_revision(scripts, "a1b2c3d4e5f6", down_revision=HEAD, upgrade=upgrade, downgrade=downgrade)
    asyncio.run(upgrade_database(HEAD, database_url=database_url, script_location=scripts))

    pending = asyncio.run(lint_migrations(database_url=database_url, script_location=scripts))
    asyncio.run(upgrade_database(database_url=database_url, script_location=scripts))
    applied = asyncio.run(lint_migrations(database_url=database_url, script_location=scripts))

    assert pending.revisions == ("a1b2c3d4e5f6",)
    assert [finding.rule for finding in pending.errors] == ["require-concurrent-index-creation"]
    assert pending.compared_with is not None
    assert applied.revisions == ()
    assert applied.findings == ()


def test_an_unreachable_database_says_how_to_lint_without_one(scripts: Path) -> None:
    code, _out, err = lint(scripts, "--database-url", "postgresql://nobody:secret@127.0.0.1:1/nowhere")

    assert code == 4, err
    assert "name the revisions or use --all" in err
    assert "secret" not in err


def test_an_ignore_comment_needs_a_reason(scripts: Path) -> None:
    path = write_revision(
        scripts,
        "a1b2c3d4e5f6",
        down_revision=HEAD,
        upgrade="""
        op.create_index("ix_i", "stocks", ["industry"])  # migrate-lint: ignore[require-concurrent-index-creation] small
        op.create_index(  # migrate-lint: ignore[require-concurrent-index-creation]
            "ix_m", "stocks", ["market_cap"]
        )
        """,
        downgrade="""
        op.drop_index("ix_m", "stocks")
        op.drop_index("ix_i", "stocks")
        """,
    )

    report = asyncio.run(lint_migrations(["a1b2c3d4e5f6"], script_location=scripts))

    second = line_of(path, '"ix_m", "stocks"') - 1
    assert findings(report) == {
        (second, "require-concurrent-index-creation", "error"),
        (second, "ignore-without-reason", "warning"),
    }


def test_a_drop_and_an_add_of_the_same_type_is_an_error_pointing_at_the_rename(scripts: Path) -> None:
    path = write_revision(
        scripts,
        "a1b2c3d4e5f6",
        down_revision=HEAD,
        upgrade="""
        with op.batch_alter_table("prices") as batch_op:
            batch_op.drop_column("adjusted_close")
            batch_op.add_column(sa.Column("adj_close", sa.Float(), nullable=True))
        """,
        downgrade="""
        with op.batch_alter_table("prices") as batch_op:
            batch_op.drop_column("adj_close")
            batch_op.add_column(sa.Column("adjusted_close", sa.FLOAT(), nullable=True))
        """,
    )

    report = asyncio.run(lint_migrations(["a1b2c3d4e5f6"], script_location=scripts))

    drop, add = line_of(path, 'drop_column("adjusted_close")'), line_of(path, '"adj_close", sa.Float()')
    undo_drop, undo_add = line_of(path, 'drop_column("adj_close")'), line_of(path, '"adjusted_close", sa.FLOAT()')
    [rename] = [finding for finding in report.findings if finding.rule == "drop-and-add"]
    assert (rename.line, rename.severity) == (drop, "error")
    assert f"(lines {drop}, {add})" in rename.message
    assert 'op.alter_column("prices", "adjusted_close", new_column_name="adj_close")' in rename.message
    assert f"(lines {undo_drop}, {undo_add})" in rename.message
    assert (drop, "ban-drop-column", "warning") in findings(report)


def test_op_execute_without_a_reverse_is_only_a_warning(scripts: Path) -> None:
    write_revision(
        scripts,
        "a1b2c3d4e5f6",
        down_revision=HEAD,
        upgrade="op.execute(\"UPDATE stocks SET market = 'Prime' WHERE market = 'First'\")",
        downgrade="""
        raise NotImplementedError("the old market names are gone")
        """,
    )
    path = write_revision(
        scripts,
        "b2c3d4e5f6a1",
        upgrade="op.execute(\"UPDATE stocks SET sector = NULL WHERE sector = ''\")",
        downgrade='op.drop_index("ix_stocks_sector", "stocks")',
        down_revision="a1b2c3d4e5f6",
    )

    code, out, err = lint(scripts, "a1b2c3d4e5f6", "b2c3d4e5f6a1", "--json")

    assert code == 0, out + err
    document = json.loads(out)
    assert document["command"] == "lint"
    assert document["ok"] is True
    assert document["revisions"] == ["a1b2c3d4e5f6", "b2c3d4e5f6a1"]
    assert [(f["revision"], f["line"], f["rule"], f["severity"]) for f in document["findings"]] == [
        ("b2c3d4e5f6a1", line_of(path, "op.execute("), "execute-without-downgrade", "warning")
    ]
