"""Throwaway copies of the scripts folder, and hand-written revision files to add to them."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.config import get_settings
from app.infrastructure.database.migration.setup import SCRIPT_LOCATION, build_config, load_scripts

INITIAL = "dceebfc4ff9f"
NOTES = "a1b2c3d4e5f6"
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


def add_notes_revision(scripts: Path) -> Path:
    """Add revision NOTES on top of INITIAL: it creates ``notes`` and adds ``stocks.isin``. Returns ``scripts``."""
    write_revision(
        scripts,
        NOTES,
        upgrade="""
            op.create_table(
                "notes",
                sa.Column("id", sa.Integer(), nullable=False),
                sa.Column("body", sa.Text(), nullable=False),
                sa.PrimaryKeyConstraint("id", name=op.f("notes_pkey")),
            )
            with op.batch_alter_table("stocks") as batch_op:
                batch_op.add_column(sa.Column("isin", sa.String(length=12), nullable=True))
        """,
        downgrade="""
            with op.batch_alter_table("stocks") as batch_op:
                batch_op.drop_column("isin")
            op.drop_table("notes")
        """,
    )
    return scripts


def revision_file(scripts: Path, revision: str) -> Path:
    """The file of ``revision`` in ``scripts``."""
    (found,) = (scripts / "versions").glob(f"*{revision}_*.py")
    return found


def cli_uses(scripts: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Body of a yield fixture: point ``MIGRATION_SCRIPT_LOCATION`` at ``scripts`` while the test runs.

    The CLI then uses them, in-process (the settings cache is cleared around the test) or as a subprocess.
    """
    monkeypatch.setenv("MIGRATION_SCRIPT_LOCATION", str(scripts))
    get_settings.cache_clear()
    yield scripts
    get_settings.cache_clear()


def project_head() -> str:
    """The head revision of the project's own scripts (read without the async API, so callable inside a loop)."""
    (head,) = load_scripts(build_config(database_url="", script_location=SCRIPT_LOCATION)).get_heads()
    return str(head)


def add_branches(scripts: Path) -> tuple[str, str]:
    """Add the two :data:`BRANCHES` revisions on top of the project's head; return their ids."""
    for revision in BRANCHES:
        write_revision(scripts, revision, upgrade="pass", downgrade="pass", down_revision=project_head())
    return BRANCHES
