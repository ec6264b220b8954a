"""SQLite foreign keys during migrations: off for the run, checked by each revision before it commits."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from app.infrastructure.database.migration import upgrade_database
from app.infrastructure.database.migration.errors import MigrationError
from harness.queries import column, scalar
from tests.helpers import reflect_schema
from tests.scripts_folder import copy_scripts, write_revision

PARENT_AND_CHILDREN = """
op.create_table("parent", sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(10)))
op.create_table(
    "child",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("parent_id", sa.Integer, sa.ForeignKey("parent.id", ondelete="CASCADE")),
)
op.execute("INSERT INTO parent (id, name) VALUES (1, 'one')")
op.execute("INSERT INTO child (id, parent_id) VALUES (1, 1), (2, 1)")
"""
WIDEN_PARENT_NAME = """
with op.batch_alter_table("parent", recreate="always") as batch:
    batch.alter_column("name", type_=sa.String(50))
"""


@pytest.fixture
def scripts(tmp_path: Path) -> Path:
    folder = copy_scripts(tmp_path, project_revisions=False)
    write_revision(folder, "r1", down_revision=None, upgrade=PARENT_AND_CHILDREN)
    write_revision(folder, "r2", down_revision="r1", upgrade=WIDEN_PARENT_NAME, message="widen parent.name")
    return folder


def test_rebuilding_a_referenced_table_keeps_the_rows_that_reference_it(sqlite_url: str, scripts: Path) -> None:
    asyncio.run(upgrade_database(database_url=sqlite_url, script_location=scripts))

    # With enforcement on, dropping the old parent inside the transaction would have cascaded to these rows.
    assert column(sqlite_url, "SELECT id FROM child ORDER BY id") == [1, 2]
    assert reflect_schema(sqlite_url)["parent"]["columns"][1][1] == "VARCHAR(50)"
    assert scalar(sqlite_url, "PRAGMA foreign_keys") == 1, "application connections still enforce foreign keys"


def test_a_revision_that_leaves_a_dangling_reference_is_rolled_back(sqlite_url: str, scripts: Path) -> None:
    write_revision(
        scripts,
        "r3",
        down_revision="r2",
        upgrade="op.execute('DELETE FROM parent WHERE id = 1')",
        message="drop parent one",
    )

    with pytest.raises(MigrationError) as failure:
        asyncio.run(upgrade_database(database_url=sqlite_url, script_location=scripts))

    assert str(failure.value).startswith(
        "the upgrade of revision r3 left 2 row(s) whose foreign key points to no row (child → parent) "
        "and was rolled back"
    )
    assert column(sqlite_url, "SELECT version_num FROM alembic_version") == ["r2"]
    assert column(sqlite_url, "SELECT id FROM parent") == [1]
