"""The real-world corpus, replayed on PostgreSQL and SQLite with rows in every table.

For each step: swap in the step's models, autogenerate, pre-flight, upgrade, ``check`` clean, then down one step and
up again, comparing every surviving table's rows by checksum; then add rows for the new schema. No row may be lost
that the step does not really destroy; a refusal by the pre-flight is correct only where the data says so.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from app.infrastructure.database.migration import downgrade_database, upgrade_database
from app.infrastructure.database.migration.author import authoring
from app.infrastructure.database.migration.connection import open_connection
from app.infrastructure.database.migration.errors import DataLossRefusedError
from app.infrastructure.database.migration.inspect.drift import detect_drift
from app.infrastructure.database.migration.setup import build_config, load_scripts
from harness.queries import execute, on_connection
from tests.corpus.rows import insert_rows
from tests.corpus.steps import STEPS, Step
from tests.legacy import checksums
from tests.scripts_folder import copy_scripts

ROWS_PER_STEP = 6


def _generate(url: str, scripts: Path, step: Step) -> Path:
    config = build_config(database_url=url, script_location=scripts)
    config.attributes["target_metadata"] = step.schema()
    accept_renames = (lambda _hint: True) if step.rename else None
    return asyncio.run(
        authoring.autogenerate(
            config, f"{step.number:02d} {step.name}", allow_empty=False, confirm_rename=accept_renames
        )
    )


def _drift(url: str, scripts: Path, step: Step) -> list[str]:
    config = build_config(database_url=url, script_location=scripts)

    async def read() -> list[str]:
        async with open_connection(url) as connection:
            found = await connection.run_sync(detect_drift, step.schema(), load_scripts(config))
        return [f"{difference.kind} {difference.table}: {difference.detail}" for difference in found]

    return asyncio.run(read())


def _upgrade(url: str, scripts: Path, step: Step) -> str:
    """Upgrade one step as a team would: a refusal is answered by what the step's outcome says, then retried."""
    refusal: DataLossRefusedError | None = None
    try:
        asyncio.run(upgrade_database(database_url=url, script_location=scripts))
    except DataLossRefusedError as refused:
        refusal = refused
    if refusal is None:
        assert step.outcome == "applies", f"step {step.number} {step.name} should have been refused before it ran"
        return "applied"
    assert step.outcome != "applies", f"step {step.number} {step.name} was refused but loses nothing: {refusal}"
    if step.outcome == "unfit":
        execute(url, *step.fix_data)
    asyncio.run(upgrade_database(database_url=url, script_location=scripts, acknowledge_data_loss=True))
    return f"refused ({step.outcome}), then applied"


def _tables(url: str) -> list[str]:
    from sqlalchemy import inspect

    return sorted(
        name
        for name in on_connection(url, lambda connection: inspect(connection).get_table_names())
        if name not in {"alembic_version", "stockdata_migration_history"}
    )


def test_the_corpus_replays_without_losing_a_row(database_url: str, tmp_path: Path) -> None:
    scripts = copy_scripts(tmp_path, project_revisions=False)
    serial = 0
    summary: list[str] = []
    for step in STEPS:
        _generate(database_url, scripts, step)
        outcome = _upgrade(database_url, scripts, step)
        assert _drift(database_url, scripts, step) == [], f"step {step.number} {step.name}: check is not clean"

        tables = _tables(database_url)
        before = checksums(database_url, *tables)
        asyncio.run(downgrade_database("-1", database_url=database_url, script_location=scripts))
        asyncio.run(upgrade_database(database_url=database_url, script_location=scripts))
        assert checksums(database_url, *tables) == before, f"step {step.number} {step.name}: rows changed"

        serial = on_connection(
            database_url,
            lambda connection, step=step, serial=serial: insert_rows(
                connection, step.schema(), count=ROWS_PER_STEP, start=serial
            ),
        )
        summary.append(f"{step.number:02d} {step.name}: {outcome}")
    print("\n".join(summary))
