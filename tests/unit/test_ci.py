"""The GitHub Actions workflow is valid, and it runs the same `make ci` as .ci/run, so the two cannot drift."""

from __future__ import annotations

import re
from pathlib import Path

from app import PROJECT_ROOT
from harness.commands import ALEMBIC
from tests.helpers import run

WORKFLOW = PROJECT_ROOT / ".github" / "workflows" / "ci.yml"
CHECK_JSONSCHEMA = ALEMBIC.with_name("check-jsonschema")


def validate(workflow: Path) -> tuple[int, str]:
    """Validate ``workflow`` against the GitHub workflow schema check-jsonschema ships (no network needed)."""
    result = run([CHECK_JSONSCHEMA, "--builtin-schema", "vendor.github-workflows", workflow])
    return result.returncode, result.stdout + result.stderr


def test_workflow_matches_the_github_workflow_schema() -> None:
    returncode, output = validate(WORKFLOW)

    assert returncode == 0, output


def test_a_broken_workflow_is_rejected(tmp_path: Path) -> None:
    broken = tmp_path / "ci.yml"
    broken.write_text(WORKFLOW.read_text().replace("runs-on:", "run-on:"))

    returncode, output = validate(broken)

    assert returncode == 1
    assert "'runs-on' is a required property" in output


def test_workflow_and_ci_run_call_the_same_make_target() -> None:
    workflow = WORKFLOW.read_text()
    ci_run = (PROJECT_ROOT / ".ci" / "run").read_text()

    assert re.findall(r"^\s*(?:- )?run: (.+)$", workflow, flags=re.MULTILINE) == [
        "sudo apt-get update && sudo apt-get install -y pgbouncer",
        "make ci",
    ]
    assert ci_run.rstrip().splitlines()[-1] == "make ci"
    assert "apt-get install -y pgbouncer" in ci_run, "the PgBouncer tests fail under CI without pgbouncer"
    assert re.search(r"^ci: lint test ci-migrations$", (PROJECT_ROOT / "Makefile").read_text(), flags=re.MULTILINE)


def test_workflow_has_postgresql_15_with_a_health_check_and_both_pythons() -> None:
    workflow = WORKFLOW.read_text()

    assert "image: postgres:15\n" in workflow
    assert '--health-cmd "pg_isready -U postgres"' in workflow
    assert 'python-version: ["3.11", "3.12"]' in workflow
    assert re.search(r"^  push:\n  pull_request:\n", workflow, flags=re.MULTILINE)
