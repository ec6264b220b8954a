"""Throwaway copies of the scripts folder, for tests that edit, add or delete revision files."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.config import get_settings
from app.infrastructure.database.migration.setup import SCRIPT_LOCATION

INITIAL = "dceebfc4ff9f"
NOTES = "a1b2c3d4e5f6"

_NOTES_SCRIPT = '''"""Add notes and stocks.isin

Revision ID: a1b2c3d4e5f6
Revises: dceebfc4ff9f
Create Date: 2026-11-28 09:00:00.000000+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "a1b2c3d4e5f6"
down_revision = "dceebfc4ff9f"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create notes and add stocks.isin."""
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("notes_pkey")),
    )
    with op.batch_alter_table("stocks") as batch_op:
        batch_op.add_column(sa.Column("isin", sa.String(length=12), nullable=True))


def downgrade() -> None:
    """Drop stocks.isin and notes."""
    with op.batch_alter_table("stocks") as batch_op:
        batch_op.drop_column("isin")
    op.drop_table("notes")
'''


def copy_scripts(destination: Path) -> Path:
    """A copy of the project's scripts folder under ``destination``, plus a second revision (NOTES) on top."""
    copy = destination / "alembic"
    shutil.copytree(SCRIPT_LOCATION, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "versions" / f"2026_11_28_0900-{NOTES}_add_notes.py").write_text(_NOTES_SCRIPT)
    return copy


def revision_file(scripts: Path, revision: str) -> Path:
    """The file of ``revision`` in ``scripts``."""
    (found,) = (scripts / "versions").glob(f"*-{revision}_*.py")
    return found


def scripts_in_use(destination: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Body of a yield fixture: a :func:`copy_scripts` copy that ``MIGRATION_SCRIPT_LOCATION`` points at.

    The CLI then uses it, in-process (the settings cache is cleared around the test) or as a subprocess.
    """
    copy = copy_scripts(destination)
    monkeypatch.setenv("MIGRATION_SCRIPT_LOCATION", str(copy))
    get_settings.cache_clear()
    yield copy
    get_settings.cache_clear()
