"""The pre-flight on real rows, both backends: a run that would destroy rows or fail on the data is refused before
anything changes (exit 19), unless the revision acknowledges the operation; dry runs show the findings."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.infrastructure.database.migration import preview_upgrade, upgrade_database
from app.infrastructure.database.migration.errors import DataLossRefusedError
from harness.commands import ALEMBIC, STOCKDATA
from harness.queries import execute, scalar, version
from tests.helpers import invoke, run, run_in_terminal, snapshot
from tests.scripts_folder import cli_uses, copy_scripts, write_revision

BASE = "pf000001"
CHANGE = "pf000002"

CREATE = """
    op.create_table(
        "owners", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("name", sa.String(20), nullable=True)
    )
    op.create_table(
        "items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(5), nullable=True),
        sa.Column("qty", sa.BigInteger(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("price", sa.Numeric(10, 2), nullable=True),
    )
    op.create_table("spare", sa.Column("id", sa.Integer(), primary_key=True))
"""
ROWS = (
    "INSERT INTO owners (id, name) VALUES (1, 'a')",
    "INSERT INTO items (id, code, qty, owner_id, price) VALUES "
    "(1, 'ABCDE', 3000000000, 1, 1.25), (2, 'ABCDE', 5, 99, NULL), (3, '日本語です', NULL, NULL, 2.50)",
)
"""Three items: a duplicated 5-character code, a 5-character Japanese one, a qty over 2**31, an orphan owner, a
NULL price, and a qty that breaks ``qty < 100``."""

OPERATIONS = {
    "drop_table": ('op.drop_table("items")', "drops table items (3 rows, e.g. id=1, id=2, id=3)"),
    "rename_as_drop_and_create": (
        'op.drop_table("items")\n'
        'op.create_table("goods", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("code", sa.String(5)))',
        "drops table items (3 rows",
    ),
    "narrow_varchar": (
        'with op.batch_alter_table("items") as batch_op:\n'
        '    batch_op.alter_column("code", existing_type=sa.String(5), type_=sa.String(4))',
        "narrows items.code VARCHAR(5) → VARCHAR(4) (3 too-long values, e.g. id=1, id=2, id=3)",
    ),
    "bigint_to_integer": (
        'with op.batch_alter_table("items") as batch_op:\n'
        '    batch_op.alter_column("qty", existing_type=sa.BigInteger(), type_=sa.Integer())',
        "narrows items.qty BIGINT → INTEGER (1 out-of-range value, e.g. id=1)",
    ),
    "unique_index": (
        'with op.batch_alter_table("items") as batch_op:\n'
        '    batch_op.create_index("ix_items_code", ["code"], unique=True)',
        "adds a unique key on items (code) (1 duplicate group, e.g. code='ABCDE' (2 rows))",
    ),
    "not_null": (
        'with op.batch_alter_table("items") as batch_op:\n'
        '    batch_op.alter_column("price", existing_type=sa.Numeric(10, 2), nullable=False)',
        "makes items.price NOT NULL (1 NULL row, e.g. id=2)",
    ),
    "check": (
        'with op.batch_alter_table("items") as batch_op:\n'
        '    batch_op.create_check_constraint("ck_items_qty", "qty < 100")',
        "adds CHECK ck_items_qty (qty < 100) on items (1 violating row, e.g. id=1)",
    ),
    "foreign_key": (
        'with op.batch_alter_table("items") as batch_op:\n'
        '    batch_op.create_foreign_key("fk_items_owner", "owners", ["owner_id"], ["id"])',
        "adds a foreign key on items (owner_id) → owners (id) (1 orphan row, e.g. id=2)",
    ),
}


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Scripts with BASE (owners, items, spare) as their only revision, used by the CLI too."""
    scripts = copy_scripts(tmp_path, project_revisions=False)
    downgrade = 'op.drop_table("spare")\nop.drop_table("items")\nop.drop_table("owners")'
    write_revision(scripts, BASE, down_revision=None, upgrade=CREATE, downgrade=downgrade)
    yield from cli_uses(scripts, monkeypatch)


@pytest.fixture
def filled(database_url: str, folder: Path) -> str:
    """A database at BASE with the three items of :data:`ROWS`."""
    asyncio.run(upgrade_database(database_url=database_url, script_location=folder))
    execute(database_url, *ROWS)
    return database_url


def _refused(result: object, url: str, before: object, *expected: str) -> None:
    assert result.exit_code == 19, (result.output, result.exception)  # type: ignore[attr-defined]
    message = result.stderr  # type: ignore[attr-defined]
    assert message.startswith("Error: "), message
    assert message.count("\n") == 1, message
    for fragment in expected:
        assert fragment in message
    assert "# migrate: destroys-data <reason>" in message
    assert snapshot(url) == before


@pytest.mark.parametrize("case", sorted(OPERATIONS))
def test_upgrade_is_refused_before_changing_anything(filled: str, folder: Path, case: str) -> None:
    operation, expected = OPERATIONS[case]
    write_revision(folder, CHANGE, down_revision=BASE, upgrade=operation, downgrade="pass")
    before = snapshot(filled)

    result = invoke(["migrate", "upgrade"], database_url=filled)

    _refused(result, filled, before, "upgrade refused before changing anything", f"{CHANGE}:", expected)
    assert version(filled) == [BASE]


@pytest.mark.parametrize("case", sorted(OPERATIONS))
def test_downgrade_is_refused_before_changing_anything_even_with_yes(filled: str, folder: Path, case: str) -> None:
    operation, expected = OPERATIONS[case]
    write_revision(folder, CHANGE, down_revision=BASE, upgrade="pass", downgrade=operation)
    asyncio.run(upgrade_database(database_url=filled, script_location=folder))
    before = snapshot(filled)

    result = invoke(["migrate", "downgrade", "--yes"], database_url=filled)

    _refused(result, filled, before, "downgrade refused before changing anything", expected)
    assert version(filled) == [CHANGE]


def test_the_marker_acknowledges_a_drop(filled: str, folder: Path) -> None:
    upgrade = 'op.drop_table(\n    "items",  # migrate: destroys-data the items moved to the archive database\n)'
    write_revision(folder, CHANGE, down_revision=BASE, upgrade=upgrade)

    result = invoke(["migrate", "upgrade"], database_url=filled)

    assert result.exit_code == 0, result.output
    assert version(filled) == [CHANGE]
    assert scalar(filled, "SELECT count(*) FROM owners") == 1


def test_a_select_earlier_in_the_run_does_not_hide_a_narrowing(filled: str, folder: Path) -> None:
    operation, expected = OPERATIONS["bigint_to_integer"]
    upgrade = f'op.execute("SELECT count(*) FROM items")\n{operation}'
    write_revision(folder, CHANGE, down_revision=BASE, upgrade=upgrade, downgrade="pass")
    before = snapshot(filled)

    result = invoke(["migrate", "upgrade"], database_url=filled)

    _refused(result, filled, before, "upgrade refused before changing anything", expected)


def test_a_marker_without_a_reason_acknowledges_nothing(filled: str, folder: Path) -> None:
    write_revision(folder, CHANGE, down_revision=BASE, upgrade='op.drop_table("items")  # migrate: destroys-data')

    assert invoke(["migrate", "upgrade"], database_url=filled).exit_code == 19


def test_operations_on_empty_tables_need_no_marker(filled: str, folder: Path) -> None:
    upgrade = """
        op.drop_table("spare")
        op.execute("DELETE FROM items")
        with op.batch_alter_table("items") as batch_op:
            batch_op.alter_column("code", existing_type=sa.String(5), type_=sa.String(4))
            batch_op.create_index("ix_items_code", ["code"], unique=True)
    """
    # The DELETE destroys rows itself, so it is acknowledged; what follows on items is not measured on stale rows.
    upgrade = upgrade.replace('items")', 'items")  # migrate: destroys-data the demo rows are reset', 1)
    write_revision(folder, CHANGE, down_revision=BASE, upgrade=upgrade)

    result = invoke(["migrate", "upgrade"], database_url=filled)

    assert result.exit_code == 0, result.output
    assert scalar(filled, "SELECT count(*) FROM items") == 0


def test_a_backfill_before_not_null_is_not_refused(filled: str, folder: Path) -> None:
    upgrade = """
        op.execute("UPDATE items SET price = 0 WHERE price IS NULL")
        with op.batch_alter_table("items") as batch_op:
            batch_op.alter_column("price", existing_type=sa.Numeric(10, 2), nullable=False)
    """
    write_revision(folder, CHANGE, down_revision=BASE, upgrade=upgrade)

    preflight = asyncio.run(preview_upgrade(database_url=filled, script_location=folder))
    result = invoke(["migrate", "upgrade"], database_url=filled)

    assert not preflight.findings
    assert any("not checked, because revision pf000002 line" in note for note in preflight.notes)
    assert result.exit_code == 0, result.output


def test_downgrade_dropping_what_its_upgrade_created_is_acknowledged_by_the_revision(filled: str) -> None:
    result = invoke(["migrate", "downgrade", "--yes", "base"], database_url=filled)

    assert result.exit_code == 0, result.output
    assert version(filled) == []


def test_a_rename_inverted_as_drop_and_create_is_refused_on_downgrade(filled: str, folder: Path) -> None:
    write_revision(
        folder,
        CHANGE,
        down_revision=BASE,
        upgrade='op.rename_table("items", "goods")',
        downgrade='op.drop_table("goods")\nop.create_table("items", sa.Column("id", sa.Integer(), primary_key=True))',
    )
    asyncio.run(upgrade_database(database_url=filled, script_location=folder))
    before = snapshot(filled)

    result = invoke(["migrate", "downgrade", "--yes"], database_url=filled)

    _refused(result, filled, before, "drops table goods (3 rows")


def test_a_revision_that_cannot_run_offline_is_a_note_not_a_crash(filled: str, folder: Path) -> None:
    upgrade = 'count = op.get_bind().execute(sa.text("SELECT count(*) FROM items")).scalar()\nop.drop_table("spare")'
    write_revision(folder, CHANGE, down_revision=BASE, upgrade=upgrade)

    preflight = asyncio.run(preview_upgrade(database_url=filled, script_location=folder))
    result = invoke(["migrate", "upgrade"], database_url=filled)

    assert any(f"revision {CHANGE}'s upgrade() cannot run offline" in note for note in preflight.notes)
    assert result.exit_code == 0, result.output


def test_upgrade_dry_run_prints_plan_sql_and_findings_and_changes_nothing(filled: str, folder: Path) -> None:
    operation, expected = OPERATIONS["narrow_varchar"]
    write_revision(folder, CHANGE, down_revision=BASE, upgrade=operation)
    before = snapshot(filled)

    dry = invoke(["migrate", "upgrade", "--dry-run"], database_url=filled)
    as_json = invoke(["migrate", "upgrade", "--dry-run", "--json"], database_url=filled)

    assert dry.exit_code == 0, dry.output
    assert "ALTER TABLE items ALTER COLUMN code TYPE VARCHAR(4)" in dry.stdout
    assert f"  ↑ {CHANGE}" in dry.stdout
    assert f"✗ {CHANGE}:" in dry.stdout
    assert expected in dry.stdout
    assert "REFUSED: not acknowledged" in dry.stdout
    assert "The upgrade would be refused (exit 19)" in dry.stdout
    assert "Dry run: nothing was changed." in dry.stdout
    document = json.loads(as_json.stdout)
    assert document["schema_version"] == 1
    assert document["command"] == "upgrade"
    assert document["dry_run"] is True
    assert document["refused"] is True
    (finding,) = document["findings"]
    assert finding["kind"] == "narrow_type"
    assert finding["rows"] == 3
    assert finding["refused"] is True
    assert finding["samples"] == ["id=1", "id=2", "id=3"]
    assert finding["columns"] == ["code"]
    assert snapshot(filled) == before


def test_downgrade_dry_run_json_carries_the_findings(filled: str) -> None:
    as_json = invoke(["migrate", "downgrade", "--dry-run", "--json", "base"], database_url=filled)

    document = json.loads(as_json.stdout)
    assert {finding["table"]: finding["rows"] for finding in document["findings"]} == {
        "spare": 0,
        "items": 3,
        "owners": 1,
    }
    assert not any(finding["refused"] for finding in document["findings"])
    assert all("upgrade created" in finding["acknowledged"] for finding in document["findings"])


def test_the_downgrade_question_shows_the_acknowledged_rows(filled: str) -> None:
    before = snapshot(filled)

    ran = run_in_terminal([STOCKDATA, "migrate", "downgrade", "base", "--database-url", filled], "n\n")
    output = ran.stdout + ran.stderr

    assert ran.returncode == 12, output
    assert "Acknowledged by the revisions:" in output
    assert f"✓ {BASE}:" in output
    assert "drops table items (3 rows, e.g. id=1, id=2, id=3) — the downgrade undoes what revision" in output
    assert snapshot(filled) == before


def test_plain_alembic_and_the_api_meet_the_pre_flight_too(filled: str, folder: Path) -> None:
    write_revision(folder, CHANGE, down_revision=BASE, upgrade=OPERATIONS["drop_table"][0])
    before = snapshot(filled)

    plain = run([ALEMBIC, "-c", folder / "alembic.ini", "upgrade", "head"], database_url=filled)

    assert plain.returncode != 0, plain.stdout + plain.stderr
    assert plain.stdout.startswith("FAILED: upgrade refused before changing anything"), plain.stdout
    assert "drops table items (3 rows" in plain.stdout
    assert "Traceback" not in plain.stderr
    assert snapshot(filled) == before
    with pytest.raises(DataLossRefusedError, match="drops table items"):
        asyncio.run(upgrade_database(database_url=filled, script_location=folder))
    assert snapshot(filled) == before
