"""A second revision (NOTES) for tests that edit, add or delete revision files in the ``scripts`` copy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.config import get_settings

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


def add_notes_revision(scripts: Path) -> Path:
    """Write the NOTES revision (creates ``notes``, adds ``stocks.isin``) into ``scripts``; return ``scripts``."""
    (scripts / "versions" / f"2026_11_28_0900-{NOTES}_add_notes.py").write_text(_NOTES_SCRIPT)
    return scripts


def revision_file(scripts: Path, revision: str) -> Path:
    """The file of ``revision`` in ``scripts``."""
    (found,) = (scripts / "versions").glob(f"*-{revision}_*.py")
    return found


def cli_uses(scripts: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Body of a yield fixture: point ``MIGRATION_SCRIPT_LOCATION`` at ``scripts`` while the test runs.

    The CLI then uses them, in-process (the settings cache is cleared around the test) or as a subprocess.
    """
    monkeypatch.setenv("MIGRATION_SCRIPT_LOCATION", str(scripts))
    get_settings.cache_clear()
    yield scripts
    get_settings.cache_clear()
