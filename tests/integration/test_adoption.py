"""Adopting databases built before Alembic, on real PostgreSQL databases and SQLite files, without losing a row.

Legacy databases are built the way they were built in the wild: the archived SQL scripts for ``listed_info``, and
``create_all()`` for ``stocks`` / ``prices``.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from app.infrastructure.database.migration import (
    adopt_database,
    check_drift,
    get_current_revision,
    show_history,
    stamp,
    upgrade_database,
)
from app.infrastructure.database.migration.errors import MigrationError, UnknownLegacyStateError
from harness.databases import create_postgres_database, drop_postgres_database, run_sql_script
from harness.legacy import build_legacy_listed_info
from harness.queries import execute, scalar
from tests import legacy_models
from tests.helpers import reflect_schema
from tests.legacy import checksums, create_all, create_all_listed_info, drift_from_initial_models, filenodes, load_rows
from tests.scripts_folder import copy_scripts, project_head, write_revision

MODELLED = ("listed_info", "prices", "stocks")
LISTED_INFO_RELATIONS = ("listed_info", "listed_info_pkey", "idx_listed_info_code", "idx_listed_info_date")
WIDEN = "ALTER TABLE listed_info ALTER COLUMN code TYPE VARCHAR(10)"
NEXT = "0a1b2c3d4e5f"


def initial_revision() -> str:
    return asyncio.run(show_history())[0].revision


@pytest.fixture
def scripts(tmp_path: Path) -> Path:
    """The project's scripts plus a revision after its head, so that "upgrade further" does something."""
    copy = copy_scripts(tmp_path)
    write_revision(
        copy,
        NEXT,
        down_revision=project_head(),
        upgrade='op.add_column("listed_info", sa.Column("isin", sa.String(length=12), nullable=True))',
        downgrade='op.drop_column("listed_info", "isin")',
        message="Add isin to listed_info",
    )
    return copy


def model_comments(table: str) -> dict[str, str | None]:
    return {column.name: column.comment for column in legacy_models.metadata.tables[table].columns}


def reflected_comments(schema: dict[str, object], table: str) -> dict[str, str | None]:
    return {column[0]: column[4] for column in schema[table]["columns"]}  # type: ignore[index]


@pytest.fixture(scope="session")
def legacy_001_with_rows(postgres_server: str) -> Iterator[str]:
    """A database that ran script 001 and holds 100,000 listed_info rows: built once, copied by each test."""
    url = create_postgres_database(postgres_server, "stockdata_legacy_001")
    build_legacy_listed_info(url, "001")
    load_rows(url)
    yield url
    drop_postgres_database(postgres_server, url)


@pytest.fixture
def legacy_copy(postgres_server: str, legacy_001_with_rows: str) -> Iterator[str]:
    """A fresh copy of ``legacy_001_with_rows``, dropped after the test."""
    url = create_postgres_database(postgres_server, template=legacy_001_with_rows)
    yield url
    drop_postgres_database(postgres_server, url)


@pytest.mark.parametrize("level", ["001", "002", "003"])
@pytest.mark.parametrize("with_stocks_and_prices", [True, False], ids=["stocks-prices", "listed-info-only"])
def test_every_legacy_state_is_adopted_with_every_row_intact(
    legacy_copy: str, scripts: Path, level: str, with_stocks_and_prices: bool
) -> None:
    postgres_url = legacy_copy
    build_legacy_listed_info(postgres_url, level, start="002")
    if with_stocks_and_prices:
        create_all(postgres_url, "stocks", "prices")
        load_rows(postgres_url, listed_info=0, stocks_and_prices=True)
    tables = MODELLED if with_stocks_and_prices else ("listed_info",)
    before, nodes = checksums(postgres_url, *tables), filenodes(postgres_url, *LISTED_INFO_RELATIONS)

    adoption = asyncio.run(adopt_database(database_url=postgres_url, script_location=scripts))

    others = "create_all()" if with_stocks_and_prices else "missing"
    assert {table.table: table.found for table in adoption.tables} == {
        "listed_info": f"legacy {level}",
        "prices": others,
        "stocks": others,
    }
    assert adoption.applied
    assert (WIDEN in adoption.statements) == (level != "003")
    assert before["listed_info"][0] == 100_000
    assert checksums(postgres_url, *tables) == before
    assert filenodes(postgres_url, *LISTED_INFO_RELATIONS) == nodes, "widening must not rewrite the table or indexes"
    schema = reflect_schema(postgres_url)
    assert reflected_comments(schema, "listed_info") == model_comments("listed_info")
    assert schema["listed_info"]["comment"] == legacy_models.metadata.tables["listed_info"].comment
    assert drift_from_initial_models(postgres_url) == []
    assert asyncio.run(get_current_revision(database_url=postgres_url, script_location=scripts)) == initial_revision()

    upgraded = asyncio.run(upgrade_database(database_url=postgres_url, script_location=scripts))
    assert upgraded.adoption is None
    assert [step.revision for step in upgraded.steps] == [project_head(), NEXT]
    assert scalar(postgres_url, "SELECT count(*) FROM listed_info WHERE isin IS NULL") == 100_000


def test_comments_reset_index_renamed_and_foreign_tables_are_repaired_or_left_alone(postgres_url: str) -> None:
    build_legacy_listed_info(postgres_url, "003")
    build_legacy_listed_info(postgres_url, "001")  # 001 run again after 003 resets the comment on code
    create_all(postgres_url, "stocks", "prices")
    run_sql_script(
        postgres_url,
        "ALTER INDEX idx_listed_info_code RENAME TO ix_listed_info_code;"
        "CREATE TABLE old_import_log (id int PRIMARY KEY, note text);"
        "INSERT INTO old_import_log SELECT i, 'run ' || i FROM generate_series(1, 50) AS i;",
    )
    load_rows(postgres_url, listed_info=1_000, stocks_and_prices=True)
    before = checksums(postgres_url, *MODELLED, "old_import_log")
    foreign_before = reflect_schema(postgres_url)["old_import_log"]

    adoption = asyncio.run(adopt_database(database_url=postgres_url))

    listed_info = adoption.tables[0]
    assert (listed_info.found, adoption.foreign_tables) == ("legacy 003", ("old_import_log",))
    assert any(note.startswith("comment on code is '銘柄コード (4 桁)'") for note in listed_info.notes)
    assert "ALTER INDEX ix_listed_info_code RENAME TO idx_listed_info_code" in adoption.statements
    assert WIDEN not in adoption.statements
    assert not any("old_import_log" in statement for statement in adoption.statements)
    assert checksums(postgres_url, *MODELLED, "old_import_log") == before
    assert reflect_schema(postgres_url)["old_import_log"] == foreign_before
    assert drift_from_initial_models(postgres_url) == []


def test_listed_info_made_by_create_all_gets_the_revision_defaults_and_comments(postgres_url: str) -> None:
    create_all_listed_info(postgres_url)
    create_all(postgres_url, "stocks", "prices")
    load_rows(postgres_url, listed_info=1_000, stocks_and_prices=True)
    before = checksums(postgres_url, *MODELLED)
    assert reflect_schema(postgres_url)["listed_info"]["columns"][-1][3] == "now()"

    adoption = asyncio.run(adopt_database(database_url=postgres_url))

    assert [table.found for table in adoption.tables] == ["create_all()"] * 3
    assert "ALTER TABLE listed_info ALTER COLUMN created_at SET DEFAULT CURRENT_TIMESTAMP" in adoption.statements
    assert checksums(postgres_url, *MODELLED) == before
    schema = reflect_schema(postgres_url)
    assert {column[3] for column in schema["listed_info"]["columns"][-2:]} == {"CURRENT_TIMESTAMP"}
    assert reflected_comments(schema, "listed_info") == model_comments("listed_info")
    assert drift_from_initial_models(postgres_url) == []


def test_upgrade_adopts_a_legacy_database_first_and_says_so(postgres_url: str, scripts: Path) -> None:
    build_legacy_listed_info(postgres_url, "001")
    load_rows(postgres_url, listed_info=1_000)

    result = asyncio.run(upgrade_database(database_url=postgres_url, script_location=scripts))

    assert result.adoption is not None
    assert (result.adoption.state, result.adoption.applied) == ("legacy", True)
    assert WIDEN in result.adoption.statements
    assert (result.from_revisions, result.to_revisions) == ((), (NEXT,))
    assert [step.revision for step in result.steps] == [project_head(), NEXT]
    assert scalar(postgres_url, "SELECT count(*) FROM listed_info") == 1_000


def test_dry_run_changes_nothing_and_lists_what_the_real_run_does(postgres_url: str) -> None:
    build_legacy_listed_info(postgres_url, "002")
    load_rows(postgres_url, listed_info=1_000)
    schema, rows = reflect_schema(postgres_url), checksums(postgres_url, "listed_info")

    planned = asyncio.run(adopt_database(dry_run=True, database_url=postgres_url))

    assert (planned.state, planned.applied) == ("legacy", False)
    assert (reflect_schema(postgres_url), checksums(postgres_url, "listed_info")) == (schema, rows)
    done = asyncio.run(adopt_database(database_url=postgres_url))
    assert done.statements == planned.statements


def test_adopting_twice_is_harmless(postgres_url: str) -> None:
    build_legacy_listed_info(postgres_url, "001")
    asyncio.run(adopt_database(database_url=postgres_url))
    schema = reflect_schema(postgres_url)

    again = asyncio.run(adopt_database(database_url=postgres_url))

    assert (again.state, again.current, again.statements, again.applied) == (
        "versioned",
        (initial_revision(),),
        (),
        False,
    )
    assert reflect_schema(postgres_url) == schema


UNKNOWN_STATES = {
    "extra column": ("003", "ALTER TABLE listed_info ADD COLUMN isin VARCHAR(12)", "extra column isin VARCHAR(12)"),
    "missing index": ("003", "DROP INDEX idx_listed_info_date", "index idx_listed_info_date on (date) is missing"),
    "code narrower than 4": (
        "001",
        "ALTER TABLE listed_info ALTER COLUMN code TYPE VARCHAR(3)",
        "code is VARCHAR(3), expected VARCHAR(4)",
    ),
    "different type": (
        "003",
        "ALTER TABLE listed_info ALTER COLUMN company_name TYPE TEXT",
        "company_name is TEXT, expected VARCHAR(255)",
    ),
}


@pytest.mark.parametrize("state", UNKNOWN_STATES)
def test_unknown_states_are_refused_and_left_unchanged(postgres_url: str, state: str) -> None:
    level, change, difference = UNKNOWN_STATES[state]
    build_legacy_listed_info(postgres_url, level)
    create_all(postgres_url, "stocks", "prices")
    run_sql_script(postgres_url, change)
    load_rows(postgres_url, listed_info=1_000, code_width=3, stocks_and_prices=True)
    schema, rows = reflect_schema(postgres_url), checksums(postgres_url, *MODELLED)

    with pytest.raises(UnknownLegacyStateError) as refused:
        asyncio.run(adopt_database(database_url=postgres_url))
    with pytest.raises(UnknownLegacyStateError):
        asyncio.run(upgrade_database(database_url=postgres_url))

    assert list(refused.value.differences) == ["listed_info"]
    closest = next(iter(refused.value.differences["listed_info"].values()))
    assert difference in closest
    assert "--verified-by-hand" in str(refused.value)
    assert refused.value.exit_code == 15
    assert reflect_schema(postgres_url) == schema
    assert checksums(postgres_url, *MODELLED) == rows


def test_a_changed_create_all_table_is_unknown_too(postgres_url: str) -> None:
    build_legacy_listed_info(postgres_url, "003")
    create_all(postgres_url, "stocks", "prices")
    run_sql_script(postgres_url, "ALTER TABLE stocks ALTER COLUMN market DROP NOT NULL")

    with pytest.raises(UnknownLegacyStateError) as refused:
        asyncio.run(adopt_database(database_url=postgres_url))

    assert refused.value.differences["stocks"] == {
        f"create_all() (revision {initial_revision()} without comments)": ["market is NULL, expected NOT NULL"]
    }
    assert "alembic_version" not in reflect_schema(postgres_url)


def test_stamp_needs_verified_by_hand_for_tables_adoption_has_not_verified(postgres_url: str) -> None:
    build_legacy_listed_info(postgres_url, "003")
    run_sql_script(postgres_url, "ALTER TABLE listed_info ADD COLUMN isin VARCHAR(12)")
    with pytest.raises(UnknownLegacyStateError):
        asyncio.run(stamp(initial_revision(), database_url=postgres_url))

    result = asyncio.run(stamp(initial_revision(), verified_by_hand=True, database_url=postgres_url))

    assert result.to_revisions == (initial_revision(),)
    differences = asyncio.run(check_drift(database_url=postgres_url))
    assert "drop column listed_info.isin VARCHAR(12)" in [difference.description for difference in differences]


def test_stamp_refuses_a_known_legacy_state_and_points_to_adopt(postgres_url: str) -> None:
    build_legacy_listed_info(postgres_url, "001")

    with pytest.raises(MigrationError, match="run `stockdata migrate adopt`"):
        asyncio.run(stamp(initial_revision(), database_url=postgres_url))

    assert "alembic_version" not in reflect_schema(postgres_url)


def test_stamp_accepts_tables_exactly_as_the_initial_revision_creates_them(database_url: str) -> None:
    asyncio.run(upgrade_database(initial_revision(), database_url=database_url))
    execute(database_url, "DROP TABLE alembic_version")

    result = asyncio.run(stamp(initial_revision(), database_url=database_url))

    assert result.to_revisions == (initial_revision(),)


def sqlite_file(url: str) -> bytes:
    return hashlib.sha256(Path(str(make_url(url).database)).read_bytes()).digest()


def test_sqlite_file_made_by_create_all_is_verified_and_stamped(sqlite_url: str, scripts: Path) -> None:
    create_all(sqlite_url, *MODELLED)
    execute(sqlite_url, "INSERT INTO stocks (ticker_symbol, company_name, market) VALUES ('7203', 'Toyota', 'TSE')")
    rows = checksums(sqlite_url, *MODELLED)

    adoption = asyncio.run(adopt_database(database_url=sqlite_url, script_location=scripts))

    assert [table.found for table in adoption.tables] == ["create_all()"] * 3
    assert (adoption.statements, adoption.applied) == ((), True)
    assert checksums(sqlite_url, *MODELLED) == rows
    assert drift_from_initial_models(sqlite_url) == []
    upgraded = asyncio.run(upgrade_database(database_url=sqlite_url, script_location=scripts))
    assert [step.revision for step in upgraded.steps] == [project_head(), NEXT]


def test_sqlite_file_missing_a_table_gets_it_created(sqlite_url: str) -> None:
    create_all(sqlite_url, "listed_info")

    adoption = asyncio.run(adopt_database(database_url=sqlite_url))

    assert [table.found for table in adoption.tables] == ["create_all()", "missing", "missing"]
    assert set(reflect_schema(sqlite_url)) == {*MODELLED, "alembic_version", "stockdata_migration_history"}
    assert scalar(sqlite_url, "SELECT method FROM stockdata_migration_history") == "adopt"
    assert drift_from_initial_models(sqlite_url) == []


def test_sqlite_file_in_an_unknown_state_is_refused_byte_for_byte_unchanged(sqlite_url: str) -> None:
    create_all(sqlite_url, *MODELLED)
    execute(sqlite_url, "ALTER TABLE stocks ADD COLUMN isin VARCHAR(12)")
    before = sqlite_file(sqlite_url)

    with pytest.raises(UnknownLegacyStateError, match="extra column isin VARCHAR"):
        asyncio.run(adopt_database(database_url=sqlite_url))

    assert sqlite_file(sqlite_url) == before
