"""Through a real PgBouncer: migrations take the direct URL, refuse a transaction pooler, and the app's engine works.

The PgBouncers are the tests' own (``pgbouncer_transaction``, ``pgbouncer_session`` in ``tests/conftest.py``), in
front of the test PostgreSQL server, with two server sessions per database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from app.infrastructure.database.connection import get_engine, get_session_factory
from harness.commands import ALEMBIC
from harness.queries import version
from tests.helpers import clear_application_caches, reflect_schema, run
from tests.pgbouncer_server import through
from tests.processes import migrate, settings, start, wait_for
from tests.scripts_folder import HOLD_AT_GATE, copy_scripts, write_revision

REFUSAL = (
    "goes through a transaction pooler (e.g. PgBouncer with pool_mode = transaction), where the migration lock "
    "cannot hold; nothing was changed. Set MIGRATION_DATABASE_URL (or --database-url) to a direct connection to "
    "PostgreSQL, or to a session-mode pool, and keep DATABASE_URL on the pooler"
)


@pytest.fixture
def pooled_url(postgres_url: str, pgbouncer_transaction: str) -> str:
    """The test's fresh database, reached through the transaction-mode PgBouncer."""
    return through(pgbouncer_transaction, postgres_url)


def one_table(root: Path) -> Path:
    """Scripts with one revision r1 creating table t1, held at ``HOLD_AT_GATE`` while it runs."""
    scripts = copy_scripts(root, project_revisions=False)
    write_revision(
        scripts,
        "r1",
        down_revision=None,
        upgrade=f"{HOLD_AT_GATE}\nop.create_table('t1', sa.Column('id', sa.Integer, primary_key=True))",
        downgrade="op.drop_table('t1')",
    )
    return scripts


def test_two_migrators_on_the_direct_url_while_the_app_uses_the_pooler(
    postgres_url: str, pooled_url: str, tmp_path: Path
) -> None:
    scripts = one_table(tmp_path)
    gate = tmp_path / "gate"
    gate.mkdir()

    processes = [
        start(
            pooled_url,
            scripts,
            tmp_path / f"p{i}",
            "upgrade",
            TEST_GATE=str(gate),
            MIGRATION_DATABASE_URL=postgres_url,
            DATABASE_POOLER="transaction",
        )
        for i in range(2)
    ]
    wait_for(
        lambda: any(gate.glob("inside-*")) and any("Waiting up to" in p.errors() for p in processes),
        processes,
        "one migrator inside r1 and the other waiting for the migration lock",
    )
    (gate / "release").touch()
    results = [process.finish() for process in processes]

    output = "".join(result.stdout + result.stderr for result in results)
    assert [result.returncode for result in results] == [0, 0], output
    assert sum("Upgraded base → r1: 1 revision" in result.stdout for result in results) == 1, output
    assert sum("Nothing to do: the database is already at r1." in result.stdout for result in results) == 1, output
    assert version(postgres_url) == ["r1"]


@pytest.mark.parametrize("entry", ["stockdata", "alembic"])
def test_a_migration_url_through_a_transaction_pooler_is_refused(
    postgres_url: str, pooled_url: str, tmp_path: Path, entry: str
) -> None:
    scripts = one_table(tmp_path)
    environment = settings(postgres_url, scripts, MIGRATION_DATABASE_URL=pooled_url)

    if entry == "stockdata":
        result = migrate(postgres_url, scripts, "upgrade", MIGRATION_DATABASE_URL=pooled_url)
        assert result.returncode == 25, result.stdout + result.stderr
        assert result.stderr.splitlines() == [
            f"Error: the migration connection to PostgreSQL database {postgres_url.rsplit('/', 1)[1]!r} at "
            f"127.0.0.1:{pooled_url.split(':')[-1].split('/')[0]} {REFUSAL}"
        ]
    else:
        result = run([ALEMBIC, "-c", scripts / "alembic.ini", "upgrade", "head"], env=environment)
        assert result.returncode != 0, result.stdout + result.stderr
        assert "the migration connection to PostgreSQL database" in result.stderr
        assert REFUSAL in result.stderr
        assert "Traceback" not in result.stderr
    assert reflect_schema(postgres_url) == {}, "nothing was changed"


def test_a_session_pooler_is_fine_for_migrating(postgres_url: str, pgbouncer_session: str, tmp_path: Path) -> None:
    scripts = one_table(tmp_path)

    result = migrate(postgres_url, scripts, "upgrade", MIGRATION_DATABASE_URL=through(pgbouncer_session, postgres_url))

    assert result.returncode == 0, result.stdout + result.stderr
    assert version(postgres_url) == ["r1"]


@pytest.fixture
def app_on_the_pooler(pooled_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The application's settings pointed at ``pooled_url`` with ``DATABASE_POOLER=transaction``."""
    monkeypatch.setenv("DATABASE_URL", pooled_url)
    monkeypatch.setenv("DATABASE_POOLER", "transaction")
    clear_application_caches()
    yield
    monkeypatch.undo()
    clear_application_caches()


async def _sessions_through_the_pooler(sessions: int, statements: int) -> list[int]:
    factory = get_session_factory()

    async def one_session(number: int) -> int:
        total = 0
        for step in range(statements):
            async with factory() as session, session.begin():
                # A new statement text each time (prepared anew) and repeated ones (a cache would keep them).
                total += (await session.execute(text(f"SELECT {step % 5} + :n"), {"n": number})).scalar_one()
                catalog = await session.execute(text("SELECT count(*) FROM pg_class WHERE oid > :n"), {"n": 0})
                assert catalog.scalar_one() > 0
        return total

    try:
        return await asyncio.gather(*(one_session(number) for number in range(sessions)))
    finally:
        await get_engine().dispose()


@pytest.mark.usefixtures("app_on_the_pooler")
def test_the_application_engine_works_through_a_transaction_pooler() -> None:
    sessions, statements = 6, 40

    totals = asyncio.run(_sessions_through_the_pooler(sessions, statements))

    expected = [sum(step % 5 + number for step in range(statements)) for number in range(sessions)]
    assert totals == expected
