"""Widening a big table's primary key (Integer → BigInteger) by expand/contract on real PostgreSQL: the key, its
index, its other indexes and its sequence end up on the new column, with writers running, and a rerun after an
interruption at any phase finishes the job."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from app.infrastructure.database.migration import upgrade_database
from app.infrastructure.database.migration.errors import UnsafeOperationError
from harness.queries import column, execute, rows, scalar, version
from tests.scripts_folder import copy_scripts, write_revision

ROWS = 2_000
TABLE = f"""
op.create_table('k', sa.Column('id', sa.Integer, primary_key=True), sa.Column('v', sa.Integer))
op.create_index('ix_k_id', 'k', ['id'])
op.create_index('ix_k_v', 'k', ['v'])
op.execute("INSERT INTO k (v) SELECT g FROM generate_series(1, {ROWS}) AS g")
"""
WIDEN = (
    "from app.infrastructure.database.migration import safe\n"
    "safe.alter_column_type('k', 'id', sa.BigInteger(), existing_type=sa.Integer(), small_table_rows={small},"
    " batch_size=300, pause={pause})"
)
WRITE = ("INSERT INTO k (v) VALUES (0)", "UPDATE k SET v = v + 1 WHERE id = (SELECT max(id) - 5 FROM k)")
SHADOW = "ALTER TABLE k ADD COLUMN id__new bigint"
SYNC = (
    "CREATE FUNCTION k_id_sync() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN NEW.id__new := NEW.id; RETURN NEW; END $$",
    "CREATE TRIGGER id__new BEFORE INSERT OR UPDATE ON k FOR EACH ROW EXECUTE FUNCTION k_id_sync()",
)
INTERRUPTED = {
    "shadow column half backfilled": (SHADOW, "UPDATE k SET id__new = id WHERE id <= 900"),
    "shadow complete, its indexes built, swap not done": (
        SHADOW,
        *SYNC,
        "UPDATE k SET id__new = id",
        "ALTER TABLE k ALTER COLUMN id__new SET NOT NULL",
        "ALTER TABLE k ALTER COLUMN id__new SET DEFAULT nextval('k_id_seq'::regclass)",
        "CREATE UNIQUE INDEX k_pkey__new ON k (id__new)",
        "CREATE INDEX ix_k_id__new ON k (id__new)",
    ),
}


@pytest.fixture
def keyed(postgres_url: str, tmp_path: Path) -> Path:
    """A scripts folder whose revision r1 made ``k`` (serial key, ROWS rows, a second index on the key)."""
    scripts = copy_scripts(tmp_path, project_revisions=False)
    write_revision(scripts, "r1", down_revision=None, upgrade=TABLE)
    upgrade(postgres_url, scripts)
    return scripts


def upgrade(url: str, scripts: Path) -> None:
    asyncio.run(upgrade_database(database_url=url, script_location=scripts))


def id_type(url: str) -> str:
    """The type of ``k.id``."""
    return str(
        scalar(
            url,
            "SELECT format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid = 'k'::regclass AND attname = 'id'",
        )
    )


def assert_widened(url: str) -> None:
    """``k.id`` is bigint, the primary key and both indexes are on it, the sequence is bigint and owned by it."""
    assert id_type(url) == "bigint"
    assert rows(
        url,
        "SELECT conname, contype::text, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'k'::regclass",
    ) == [("k_pkey", "p", "PRIMARY KEY (id)")]
    assert column(
        url, "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = 'k'::regclass ORDER BY 1"
    ) == [
        "CREATE INDEX ix_k_id ON public.k USING btree (id)",
        "CREATE INDEX ix_k_v ON public.k USING btree (v)",
        "CREATE UNIQUE INDEX k_pkey ON public.k USING btree (id)",
    ]
    assert scalar(url, "SELECT pg_get_serial_sequence('k', 'id')") == "public.k_id_seq"
    assert (
        scalar(url, "SELECT format_type(seqtypid, NULL) FROM pg_sequence WHERE seqrelid = 'k_id_seq'::regclass")
        == "bigint"
    )
    assert scalar(url, "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'k'::regclass") == 0
    assert scalar(url, "SELECT count(*) FROM pg_proc WHERE proname = 'k_id_sync'") == 0
    assert rows(url, f"SELECT count(*) = count(DISTINCT id), min(id), count(*) >= {ROWS} FROM k") == [(True, 1, True)]
    execute(url, "SELECT setval('k_id_seq', 2147483658)", "INSERT INTO k (v) VALUES (-1)")
    assert scalar(url, "SELECT id FROM k WHERE v = -1") == 2**31 + 11, "the sequence goes past 2**31 - 1"
    assert version(url) == ["r2"]


def test_a_primary_key_is_widened_with_its_indexes_and_sequence_while_writers_write(
    postgres_url: str, keyed: Path
) -> None:
    write_revision(keyed, "r2", down_revision="r1", upgrade=WIDEN.format(small=10, pause=0.1))
    stop = threading.Event()
    written: list[int] = []

    def write() -> None:
        while not stop.is_set():
            execute(postgres_url, *WRITE)
            written.append(1)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        upgrade(postgres_url, keyed)
    finally:
        stop.set()
        writer.join()

    assert len(written) > 10, "the writer wrote during the change"
    assert scalar(postgres_url, "SELECT count(*) FROM k") == ROWS + len(written)
    assert_widened(postgres_url)


def test_a_small_tables_key_is_widened_in_place_and_its_sequence_too(postgres_url: str, keyed: Path) -> None:
    write_revision(keyed, "r2", down_revision="r1", upgrade=WIDEN.format(small=ROWS + 1, pause=0))

    upgrade(postgres_url, keyed)

    assert scalar(postgres_url, "SELECT count(*) FROM pg_attribute WHERE attname = 'id__new'") == 0, "plain ALTER"
    assert_widened(postgres_url)


@pytest.mark.parametrize("phase", INTERRUPTED)
def test_a_key_widening_interrupted_at_any_phase_is_finished_by_the_next_run(
    postgres_url: str, keyed: Path, phase: str
) -> None:
    write_revision(keyed, "r2", down_revision="r1", upgrade=WIDEN.format(small=10, pause=0))
    execute(postgres_url, *INTERRUPTED[phase])

    upgrade(postgres_url, keyed)

    assert scalar(postgres_url, "SELECT count(*) FROM k") == ROWS
    assert_widened(postgres_url)


def test_a_key_widening_refuses_when_another_table_references_the_key(postgres_url: str, keyed: Path) -> None:
    execute(postgres_url, "CREATE TABLE kref (k_id integer CONSTRAINT fk_kref_k REFERENCES k (id))")
    write_revision(keyed, "r2", down_revision="r1", upgrade=WIDEN.format(small=10, pause=0))

    with pytest.raises(UnsafeOperationError) as refused:
        upgrade(postgres_url, keyed)

    assert refused.value.exit_code == 26
    assert "cannot carry over fk_kref_k, which use the column" in str(refused.value)
    assert version(postgres_url) == ["r1"]
    assert id_type(postgres_url) == "integer"
