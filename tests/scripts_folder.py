"""Throwaway copies of the scripts folder, and hand-written revision files to add to them."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from app.infrastructure.database.migration.setup import SCRIPT_LOCATION, build_config, load_scripts

INITIAL = "dceebfc4ff9f"
BRANCHES = ("aaaa1111", "aaaa2222")
"""Two revisions on top of the project's head sharing the prefix ``aaaa``: an ambiguous prefix, and two heads."""

_TEMPLATE = '''"""{message}

Revision ID: {revision}
Revises: {down_revision}
Create Date: 2026-11-28 00:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "{revision}"
down_revision = "{down_revision}"
branch_labels = None
depends_on = None


def upgrade() -> None:
{upgrade}


def downgrade() -> None:
{downgrade}
'''


def copy_scripts(destination: Path) -> Path:
    """A copy of the project's scripts folder under ``destination``, to add revisions to."""
    copy = destination / "alembic"
    shutil.copytree(SCRIPT_LOCATION, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def write_revision(scripts: Path, revision: str, *, upgrade: str, downgrade: str, down_revision: str = INITIAL) -> Path:
    """Write a revision file whose functions have the given bodies (dedented, then indented by four spaces)."""
    path = scripts / "versions" / f"{revision}_test.py"
    body = {
        name: textwrap.indent(textwrap.dedent(code).strip("\n"), "    ")
        for name, code in (("upgrade", upgrade), ("downgrade", downgrade))
    }
    path.write_text(
        _TEMPLATE.format(message=f"Test revision {revision}", revision=revision, down_revision=down_revision, **body)
    )
    return path


def line_of(path: Path, text: str) -> int:
    """The number of the first line of ``path`` containing ``text``."""
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {path}")


def project_head() -> str:
    """The head revision of the project's own scripts (read without the async API, so callable inside a loop)."""
    (head,) = load_scripts(build_config(database_url="", script_location=SCRIPT_LOCATION)).get_heads()
    return str(head)


def add_branches(scripts: Path) -> tuple[str, str]:
    """Add the two :data:`BRANCHES` revisions on top of the project's head; return their ids."""
    for revision in BRANCHES:
        write_revision(scripts, revision, upgrade="pass", downgrade="pass", down_revision=project_head())
    return BRANCHES
