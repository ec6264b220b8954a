"""Throwaway scripts folders: copies of the project's, with hand-written revision files a test adds for real runs."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.config import get_settings
from app.infrastructure.database.migration.setup import ALEMBIC_INI, SCRIPT_LOCATION, build_config, load_scripts

INITIAL = "dceebfc4ff9f"
"""The project's first revision (its base), which adoption stamps; the project's head is :func:`project_head`."""
NOTES = "a1b2c3d4e5f6"
BRANCHES = ("aaaa1111", "aaaa2222")
"""Two revisions on top of the project's head sharing the prefix ``aaaa``: an ambiguous prefix, and two heads."""

_TEMPLATE = '''"""{message}

Revision ID: {revision}
Revises: {down_revision}
Create Date: 2026-11-28 00:00:00
"""

import os
import time
from pathlib import Path

import sqlalchemy as sa
from alembic import op

from app.infrastructure.database.migration.run.timeouts import override_timeouts

revision = {revision!r}
down_revision = {down_revision!r}
branch_labels = None
depends_on = None


def upgrade() -> None:
{upgrade}


def downgrade() -> None:
{downgrade}
'''

HOLD_AT_GATE = """
gate = os.environ.get("TEST_GATE")
if gate:
    Path(gate, f"inside-{os.getpid()}").touch()
    deadline = time.monotonic() + 60
    while not Path(gate, "release").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
"""
"""Revision code that, when ``TEST_GATE`` names a folder, says it is inside and waits for ``release`` there."""

LEDGER = "op.create_table('ledger', sa.Column('revision', sa.String(20), primary_key=True))"
"""Revision code creating the ``ledger`` table, in which revisions sign to show they ran."""


def copy_scripts(destination: Path, *, project_revisions: bool = True) -> Path:
    """A copy of the project's scripts folder under ``destination``, to add revisions to.

    Without ``project_revisions`` its ``versions/`` starts empty. Its ``alembic.ini`` points the plain ``alembic``
    command at it (``alembic -c <copy>/alembic.ini``).
    """
    copy = destination / "alembic"
    shutil.copytree(SCRIPT_LOCATION, copy, ignore=shutil.ignore_patterns("__pycache__"))
    if not project_revisions:
        for path in (copy / "versions").glob("*.py"):
            path.unlink()
    ini = ALEMBIC_INI.read_text().replace("script_location = alembic", "script_location = %(here)s")
    (copy / "alembic.ini").write_text(ini)
    return copy


def write_revision(
    scripts: Path, revision: str, *, down_revision: str | None, upgrade: str, downgrade: str = "", message: str = ""
) -> Path:
    """Write (or overwrite) ``versions/<revision>_test.py``; ``upgrade``/``downgrade`` are function bodies.

    The bodies are dedented, then indented into the functions (an empty one becomes ``pass``); the revision's
    message is ``message``, or its id. The file imports ``os``, ``time``, ``Path``, ``sa``, ``op`` and
    ``override_timeouts`` for the bodies to use.
    """
    path = scripts / "versions" / f"{revision}_test.py"
    path.write_text(
        _TEMPLATE.format(
            message=message or revision,
            revision=revision,
            down_revision=down_revision,
            upgrade=_body(upgrade),
            downgrade=_body(downgrade),
        )
    )
    return path


def _body(code: str) -> str:
    return textwrap.indent(textwrap.dedent(code).strip() or "pass", "    ")


def line_of(path: Path, text: str) -> int:
    """The number of the first line of ``path`` containing ``text``."""
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {path}")


def add_notes_revision(scripts: Path) -> Path:
    """Add revision NOTES on top of the project's head: it creates ``notes`` and adds ``stocks.isin``.

    Returns ``scripts``.
    """
    write_revision(
        scripts,
        NOTES,
        down_revision=project_head(),
        message=f"Test revision {NOTES}",
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


def written_file(scripts: Path) -> Path:
    """The one revision file in ``scripts`` besides the project's own."""
    project = {path.name for path in (SCRIPT_LOCATION / "versions").glob("*.py")}
    (path,) = [path for path in (scripts / "versions").glob("*.py") if path.name not in project]
    return path


def project_revision_count() -> int:
    """How many revision files the project has (a copy of its scripts starts with as many)."""
    return len(list((SCRIPT_LOCATION / "versions").glob("*.py")))


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
        write_revision(scripts, revision, down_revision=project_head(), upgrade="pass")
    return BRANCHES
