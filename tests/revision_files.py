"""Throwaway revision files, written into a copy of the scripts folder (the ``scripts`` fixture), never the repo's."""

from __future__ import annotations

import textwrap
from pathlib import Path

from app.infrastructure.database.migration.setup import SCRIPT_LOCATION, build_config, load_scripts

BRANCHES = ("aaaa1111", "aaaa2222")
"""Two revisions on top of the project's head that share the prefix ``aaaa``: an ambiguous prefix, two heads."""


def project_head() -> str:
    """The head revision of the project's own scripts (read without the async API, so callable inside a loop)."""
    (head,) = load_scripts(build_config(database_url="", script_location=SCRIPT_LOCATION)).get_heads()
    return str(head)


def add_revision(
    scripts: Path, revision: str, down_revision: str | None, *, upgrade: str = "pass", downgrade: str = "pass"
) -> Path:
    """Write revision ``revision`` on top of ``down_revision`` whose upgrade body is ``upgrade``; return its path."""
    path = scripts / "versions" / f"{revision}_test.py"
    path.write_text(
        textwrap.dedent(
            f'''\
            """test revision {revision}

            Revision ID: {revision}
            Revises: {down_revision or ""}
            Create Date: 2026-11-28 10:00:00.000000+00:00
            """

            from alembic import op

            revision = {revision!r}
            down_revision = {down_revision!r}
            branch_labels = None
            depends_on = None


            def upgrade() -> None:
                {upgrade}


            def downgrade() -> None:
                {downgrade}
            '''
        )
    )
    return path


def add_branches(scripts: Path) -> tuple[str, str]:
    """Add the two :data:`BRANCHES` revisions on top of the project's head; return their ids."""
    head = project_head()
    for revision in BRANCHES:
        add_revision(scripts, revision, head)
    return BRANCHES
