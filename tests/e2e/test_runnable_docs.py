"""Every command the migration guide marks as runnable works exactly as written, on a throwaway database.

The Japanese guide's blocks run on a SQLite file and the English guide's on a PostgreSQL database; since the
twins must hold the same commands (tests/unit/test_runnable_blocks.py), every command runs on both backends.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.infrastructure.database.migration.setup import ALEMBIC_INI
from tests.runnable_docs import GUIDES, Block, run_block, runnable_blocks

JAPANESE, ENGLISH = GUIDES
CASES = [(block, "sqlite") for block in runnable_blocks(JAPANESE)] + [
    (block, "postgres") for block in runnable_blocks(ENGLISH)
]


@pytest.fixture
def workspace(scripts: Path) -> Path:
    """A folder holding a copy of ``alembic.ini`` and the scripts, where the blocks run."""
    shutil.copy(ALEMBIC_INI, scripts.parent / "alembic.ini")
    return scripts.parent


@pytest.mark.parametrize(("block", "backend"), CASES, ids=[f"{block.source}-{backend}" for block, backend in CASES])
def test_runnable_block_exits_0(block: Block, backend: str, workspace: Path, request: pytest.FixtureRequest) -> None:
    database_url = str(request.getfixturevalue(f"{backend}_url"))

    result = run_block(block, database_url=database_url, workspace=workspace)

    assert result.returncode == 0, (
        f"{block.source} failed with exit code {result.returncode}:\n{block.text}"
        f"--- stdout\n{result.stdout}--- stderr\n{result.stderr}"
    )
