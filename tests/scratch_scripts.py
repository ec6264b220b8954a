"""Throwaway Alembic scripts folders: the project's env.py with revisions a test writes, for real runs."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from app.infrastructure.database.migration.setup import ALEMBIC_INI, SCRIPT_LOCATION

_REVISION = '''"""{message}"""

import os
import time
from pathlib import Path

import sqlalchemy as sa
from alembic import op

from app.infrastructure.database.migration.timeouts import override_timeouts

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


def scripts_folder(root: Path, *, project_revisions: bool = False) -> Path:
    """A scripts folder under ``root`` with the project's env.py (and its revisions if asked), plus an alembic.ini."""
    folder = root / "scripts"
    (folder / "versions").mkdir(parents=True)
    for name in ("env.py", "script.py.mako"):
        shutil.copy(SCRIPT_LOCATION / name, folder / name)
    if project_revisions:
        for path in (SCRIPT_LOCATION / "versions").glob("*.py"):
            shutil.copy(path, folder / "versions" / path.name)
    ini = ALEMBIC_INI.read_text().replace("script_location = alembic", "script_location = %(here)s")
    (folder / "alembic.ini").write_text(ini)
    return folder


def write_revision(
    folder: Path, revision: str, down_revision: str | None, upgrade: str, *, downgrade: str = "", message: str = ""
) -> Path:
    """Write (or overwrite) ``versions/<revision>.py``; ``upgrade``/``downgrade`` are function bodies."""
    path = folder / "versions" / f"{revision}.py"
    path.write_text(
        _REVISION.format(
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
