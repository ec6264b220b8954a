"""Revision checksums ignore what the formatter, comments and docstrings change, and see every code change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.infrastructure.database.migration.guard.checksums import file_checksum, source_checksum
from app.infrastructure.database.migration.setup import SCRIPT_LOCATION
from harness.commands import ALEMBIC
from tests.helpers import run
from tests.scripts_folder import INITIAL, revision_file

RUFF = ALEMBIC.with_name("ruff")


@pytest.fixture
def script(tmp_path: Path) -> Path:
    """A copy of the initial revision's file."""
    return Path(shutil.copy(revision_file(SCRIPT_LOCATION, INITIAL), tmp_path / "revision.py"))


@pytest.mark.parametrize("line_length", ["60", "200"])
def test_ruff_format_at_another_line_length_keeps_the_checksum(script: Path, line_length: str) -> None:
    before_text, before = script.read_text(), file_checksum(script)

    formatted = run(
        [RUFF, "format", "--line-length", line_length, "--config", "format.skip-magic-trailing-comma = true", script]
    )

    assert formatted.returncode == 0, formatted.stderr
    assert script.read_text() != before_text
    assert file_checksum(script) == before


def test_comments_docstrings_and_quotes_do_not_count() -> None:
    original = 'def upgrade() -> None:\n    """Add x."""\n    op.add_column("t", sa.Column("x", sa.Integer()))\n'
    edited = (
        '"""A new module docstring."""\n# why: x is needed by the importer\n'
        "def upgrade() -> None:\n    '''Add the x column (reworded).'''\n"
        "    op.add_column(\n        't',  # the table\n        sa.Column('x', sa.Integer()),\n    )\n"
    )

    assert source_checksum(edited) == source_checksum(original)


@pytest.mark.parametrize(
    "changed",
    [
        'def upgrade() -> None:\n    op.add_column("t", sa.Column("x", sa.BigInteger()))\n',
        'def upgrade() -> None:\n    op.add_column("t", sa.Column("y", sa.Integer()))\n',
        'def upgrade() -> None:\n    op.add_column("t", sa.Column("x", sa.Integer()))\n    op.execute("SELECT 1")\n',
        "def upgrade() -> None:\n    pass\n",
    ],
)
def test_code_changes_change_the_checksum(changed: str) -> None:
    original = 'def upgrade() -> None:\n    op.add_column("t", sa.Column("x", sa.Integer()))\n'

    assert source_checksum(changed) != source_checksum(original)


def test_checksum_is_pinned() -> None:
    # A checksum must not move when Python or the algorithm's code is upgraded: every database would then
    # report every revision as modified. Update this value only together with a migration of recorded checksums.
    source = 'revision = "abc"\n\n\ndef upgrade() -> None:\n    """Doc."""\n    op.drop_table("t")\n'

    assert source_checksum(source) == "f51c452c663c556d6ad0c4bb7c09c6acd02189faede10b0a1f47bb2ddd1c385e"
