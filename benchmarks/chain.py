"""A generated chain of realistic revisions in a temporary scripts folder, with an alembic.ini pointing at it.

Every fourth revision creates a table with a composite primary key, a comment and an index; the three after it
add columns, composite and single-column indexes, and a column with a server default, as autogenerate writes
them (batch mode, named constraints). ``stockdata`` finds the folder through ``MIGRATION_SCRIPT_LOCATION``;
plain ``alembic`` through ``-c`` and the ini's ``script_location``.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from app.infrastructure.database.migration.setup import ALEMBIC_INI, SCRIPT_LOCATION

HEADER = '''"""{message}

Revision ID: {revision}
Revises: {down_revision}
Create Date: 2026-12-01 00:00:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "{revision}"
down_revision: str | Sequence[str] | None = {down_literal}
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
'''

BODIES = (
    (
        "create {table}",
        """
def upgrade() -> None:
    op.create_table(
        "{table}",
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False),
        sa.PrimaryKeyConstraint("date", "code", name=op.f("{table}_pkey")),
        comment="Generated table {table}",
    )
    with op.batch_alter_table("{table}", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_{table}_code"), ["code"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("{table}", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_{table}_code"))
    op.drop_table("{table}")
""",
    ),
    (
        "add volume and note to {table}",
        """
def upgrade() -> None:
    with op.batch_alter_table("{table}", schema=None) as batch_op:
        batch_op.add_column(sa.Column("volume", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("note", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("{table}", schema=None) as batch_op:
        batch_op.drop_column("note")
        batch_op.drop_column("volume")
""",
    ),
    (
        "index {table} by code and date, and by volume",
        """
def upgrade() -> None:
    with op.batch_alter_table("{table}", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_{table}_code_date"), ["code", "date"], unique=False)
        batch_op.create_index(batch_op.f("ix_{table}_volume"), ["volume"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("{table}", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_{table}_volume"))
        batch_op.drop_index(batch_op.f("ix_{table}_code_date"))
""",
    ),
    (
        "add status to {table}",
        """
def upgrade() -> None:
    with op.batch_alter_table("{table}", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=20), server_default="active", nullable=False))
        batch_op.create_index(batch_op.f("ix_{table}_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("{table}", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_{table}_status"))
        batch_op.drop_column("status")
""",
    ),
)


@dataclass(frozen=True)
class Chain:
    """A scripts folder holding ``length`` revisions, and an alembic.ini naming it."""

    scripts: Path
    alembic_ini: Path
    length: int


def revision_id(index: int) -> str:
    """A stable 12-hex-digit id for the ``index``-th generated revision."""
    return hashlib.sha1(f"bench-{index}".encode()).hexdigest()[:12]


def write_chain(folder: Path, length: int) -> Chain:
    """Copy the project's scripts folder (without its revisions) under ``folder`` and write ``length`` revisions."""
    scripts = folder / "scripts"
    shutil.copytree(SCRIPT_LOCATION, scripts, ignore=shutil.ignore_patterns("versions", "__pycache__"))
    versions = scripts / "versions"
    versions.mkdir()
    for index in range(length):
        table = f"bench_{index // len(BODIES):03d}"
        message, body = BODIES[index % len(BODIES)]
        revision = revision_id(index)
        down = revision_id(index - 1) if index else None
        header = HEADER.format(
            message=message.format(table=table).capitalize(),
            revision=revision,
            down_revision=down or "",
            down_literal=f'"{down}"' if down else "None",
        )
        (versions / f"{index:04d}-{revision}_generated.py").write_text(header + body.format(table=table))
    ini = re.sub(r"(?m)^script_location = .*$", f"script_location = {scripts}", ALEMBIC_INI.read_text())
    alembic_ini = folder / "alembic.ini"
    alembic_ini.write_text(ini)
    return Chain(scripts, alembic_ini, length)
