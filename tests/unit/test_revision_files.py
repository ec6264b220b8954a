"""The revision graph read from the files' text agrees with Alembic's on a plain history, and steps aside (``None``)
for everything else, which Alembic then reads and judges as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.infrastructure.database.migration.inspect import revisions
from app.infrastructure.database.migration.inspect.revision_files import read_plain_history
from app.infrastructure.database.migration.setup import ALEMBIC_INI, SCRIPT_LOCATION, build_config, load_scripts
from tests.scripts_folder import INITIAL, add_notes_revision, copy_scripts, write_revision

QUIRKY = '''"""  日本語のメッセージ「銘柄」 with "quotes"

second paragraph, not part of the message

Revision ID: bbbb0003
Revises: bbbb0002
Create Date: 2026-12-01 09:30:00.000001+09:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "bbbb0003"
down_revision: str | None = "bbbb0002"
branch_labels = None
depends_on: str | None = None
TABLE = "notes"
BIG_INTEGER = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column(TABLE, sa.Column("x", sa.Integer()))


async def downgrade() -> None:
    pass
'''
"""A revision file with leading blanks and a second paragraph in its docstring, annotations, constants (one built by
a call, which the reader does not run), an async function."""
ON_NOTES = "revision = 'cccc0001'\ndown_revision = 'a1b2c3d4e5f6'\n"
"""The start of a revision file on top of the notes revision."""


def alembic_history(scripts: Path) -> tuple[object, ...]:
    """What Alembic reads from ``scripts``: every revision oldest first, and the heads."""
    script = load_scripts(build_config(database_url="", script_location=scripts))
    return revisions.all_revisions(script), tuple(script.get_heads())


def plain_history(scripts: Path) -> tuple[object, ...] | None:
    """What the text reader reads from ``scripts``, in the same shape, or ``None``."""
    plain = read_plain_history(scripts, ALEMBIC_INI)
    return None if plain is None else (plain.revisions, plain.heads)


def test_it_reads_a_plain_history_exactly_as_alembic_does(tmp_path: Path) -> None:
    scripts = add_notes_revision(copy_scripts(tmp_path))
    write_revision(scripts, "bbbb0002", down_revision="a1b2c3d4e5f6", upgrade="pass", message="Two\n\nparagraphs")
    (scripts / "versions" / "bbbb0003_quirky.py").write_text(QUIRKY)
    (scripts / "versions" / "README.txt").write_text("not a revision")
    (scripts / "versions" / "__init__.py").write_text("")

    read = plain_history(scripts)

    assert read == alembic_history(scripts)
    assert read is not None
    assert [info.message for info in read[0]][-2:] == ["Two", '日本語のメッセージ「銘柄」 with "quotes"']


def test_an_empty_versions_folder_is_a_plain_history_without_heads(tmp_path: Path) -> None:
    scripts = copy_scripts(tmp_path, project_revisions=False)

    assert plain_history(scripts) == alembic_history(scripts) == ((), ())


def test_the_project_history_is_plain() -> None:
    plain = read_plain_history(SCRIPT_LOCATION, ALEMBIC_INI)

    assert plain is not None
    assert plain.revisions[0].revision == INITIAL


@pytest.mark.parametrize(
    ("case", "text"),
    [
        ("a branch", "revision = 'cccc0001'\ndown_revision = 'dceebfc4ff9f'\n"),
        ("a merge", "revision = 'cccc0001'\ndown_revision = ('dceebfc4ff9f', 'a1b2c3d4e5f6')\n"),
        ("a label", "revision = 'cccc0001'\ndown_revision = 'a1b2c3d4e5f6'\nbranch_labels = ('x',)\n"),
        ("a dependency", "revision = 'cccc0001'\ndown_revision = 'a1b2c3d4e5f6'\ndepends_on = 'dceebfc4ff9f'\n"),
        ("a computed id", "revision = 'cccc' + str(1)\ndown_revision = 'a1b2c3d4e5f6'\n"),
        ("an unknown parent", "revision = 'cccc0001'\ndown_revision = 'ffff0000'\n"),
        ("a repeated id", "revision = 'a1b2c3d4e5f6'\ndown_revision = 'dceebfc4ff9f'\n"),
        ("no down_revision", "revision = 'cccc0001'\n"),
        ("a syntax error", f"{ON_NOTES}def upgrade(:\n    pass\n"),
        ("code at the top", "revision = 'cccc0001'\ndown_revision = 'a1b2c3d4e5f6'\nraise RuntimeError('boom')\n"),
        ("a decorator", "revision = 'cccc0001'\ndown_revision = 'a1b2c3d4e5f6'\n@print\ndef upgrade():\n    pass\n"),
        (
            "a default value",
            "revision = 'cccc0001'\ndown_revision = 'a1b2c3d4e5f6'\ndef upgrade(x=print()):\n    pass\n",
        ),
        ("an id Alembic refuses", "revision = 'cccc-0001'\ndown_revision = 'a1b2c3d4e5f6'\n"),
    ],
)
def test_anything_but_a_plain_line_is_left_to_alembic(case: str, text: str, tmp_path: Path) -> None:
    scripts = add_notes_revision(copy_scripts(tmp_path))
    (scripts / "versions" / "cccc0001_case.py").write_text(text)

    assert plain_history(scripts) is None, case


def test_alembic_ini_moving_the_versions_folder_is_left_to_alembic(tmp_path: Path) -> None:
    scripts = copy_scripts(tmp_path)
    ini = tmp_path / "alembic.ini"
    ini.write_text(ALEMBIC_INI.read_text().replace("[alembic]\n", f"[alembic]\nversion_locations = {tmp_path}\n", 1))

    assert read_plain_history(scripts, ALEMBIC_INI) is not None
    assert read_plain_history(scripts, ini) is None
