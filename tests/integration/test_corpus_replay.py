"""The real-world corpus, replayed on PostgreSQL and SQLite with rows in every table.

For each step: swap in the step's models, autogenerate (self-checked as written), pre-flight, upgrade, ``check``
clean, then down one step and up again, comparing every surviving table's rows by checksum; then add rows for the
new schema. A team's answer to a refusal is replayed too: a step that really destroys data gets the reviewer's
``# migrate: destroys-data`` marker on the lines the pre-flight names; a step whose data does not fit gets the
data fixed first, as the real project did. A refusal anywhere else fails the test, and so does a step that should
have been refused but ran.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import inspect

from app.infrastructure.database.migration import downgrade_database, preview_upgrade, upgrade_database
from app.infrastructure.database.migration.author import authoring
from app.infrastructure.database.migration.connection import open_connection
from app.infrastructure.database.migration.errors import DataLossRefusedError
from app.infrastructure.database.migration.inspect.drift import detect_drift
from app.infrastructure.database.migration.results import Finding
from app.infrastructure.database.migration.setup import build_config, load_scripts
from harness.queries import execute, on_connection
from tests.corpus.rows import insert_rows
from tests.corpus.steps import STEPS, Step
from tests.legacy import checksums
from tests.scripts_folder import copy_scripts

ROWS_PER_STEP = 6
BOOKKEEPING = {"alembic_version", "stockdata_migration_history"}


def _generate(url: str, scripts: Path, step: Step) -> Path:
    config = build_config(database_url=url, script_location=scripts)
    config.attributes["target_metadata"] = step.schema()
    accept_renames = (lambda _hint: True) if step.rename else None
    message = f"{step.number:02d} {step.name}"
    empty = step.postgres_only and url.startswith("sqlite")
    return asyncio.run(authoring.autogenerate(config, message, allow_empty=empty, confirm_rename=accept_renames))


def _drift(url: str, scripts: Path, step: Step) -> list[str]:
    config = build_config(database_url=url, script_location=scripts)

    async def read() -> list[str]:
        async with open_connection(url) as connection:
            found = await connection.run_sync(detect_drift, step.schema(), load_scripts(config))
        return [f"{difference.kind} {difference.table}: {difference.detail}" for difference in found]

    return asyncio.run(read())


def _acknowledge(findings: tuple[Finding, ...], step: Step) -> None:
    """What a reviewer writes: the marker, with a reason, on each line the pre-flight names."""
    for finding in findings:
        path = Path(finding.path)
        lines = path.read_text().splitlines()
        lines[finding.line - 1] += f"  # migrate: destroys-data corpus step {step.number} loses this on purpose"
        path.write_text("\n".join(lines) + "\n")


def _upgrade(url: str, scripts: Path, step: Step) -> str:
    """Upgrade one step as a team would: a refusal is answered as the step's outcome says, then retried."""
    refused: str | None = None
    try:
        asyncio.run(upgrade_database(database_url=url, script_location=scripts))
    except DataLossRefusedError as refusal:
        refused = str(refusal)
    if refused is None:
        assert step.outcome == "applies", f"step {step.number} {step.name} should have been refused before it ran"
        return "applied"
    assert step.outcome != "applies", f"step {step.number} {step.name} was refused but loses nothing: {refused}"
    findings = tuple(finding for finding in asyncio.run(_preview(url, scripts)).findings if finding.refused)
    assert findings, refused
    if step.outcome == "unfit":
        assert not any(finding.destroys for finding in findings), refused
        execute(url, *step.fix_data)
    else:
        assert all(finding.destroys for finding in findings), refused
        _acknowledge(findings, step)
    asyncio.run(upgrade_database(database_url=url, script_location=scripts))
    return f"refused ({'; '.join(finding.action for finding in findings)}), then {step.outcome} handled"


async def _preview(url: str, scripts: Path):  # type: ignore[no-untyped-def]
    return await preview_upgrade(database_url=url, script_location=scripts)


def _down_and_up(url: str, scripts: Path, step: Step) -> str:
    """Down one step and up again: every table that survives keeps its rows exactly."""
    tables = sorted(set(on_connection(url, lambda connection: inspect(connection).get_table_names())) - BOOKKEEPING)
    before = checksums(url, *tables)
    if step.down_refused:
        with pytest.raises(DataLossRefusedError, match="adds NOT NULL column"):
            asyncio.run(downgrade_database("-1", database_url=url, script_location=scripts))
        assert checksums(url, *tables) == before
        return "down refused (it could not restore what the step removed)"
    asyncio.run(downgrade_database("-1", database_url=url, script_location=scripts))
    asyncio.run(upgrade_database(database_url=url, script_location=scripts))
    after = checksums(url, *tables)
    assert after == before, f"step {step.number} {step.name}: rows changed by down and up"
    return "down and up: rows identical"


def test_the_corpus_replays_without_losing_a_row(database_url: str, tmp_path: Path) -> None:
    scripts = copy_scripts(tmp_path, project_revisions=False)
    serial = 0
    summary = []
    for step in STEPS:
        _generate(database_url, scripts, step)
        outcome = _upgrade(database_url, scripts, step)
        assert _drift(database_url, scripts, step) == [], f"step {step.number} {step.name}: check is not clean"
        round_trip = _down_and_up(database_url, scripts, step)
        serial = on_connection(
            database_url,
            lambda connection, step=step, serial=serial: insert_rows(
                connection, step.schema(), count=ROWS_PER_STEP, start=serial
            ),
        )
        summary.append(f"{step.number:02d} {step.name}: {outcome}; {round_trip}")
    print(f"\ncorpus replay on {database_url.split(':')[0]}:\n" + "\n".join(summary))


@pytest.mark.parametrize("step", [step for step in STEPS if step.outcome != "applies"], ids=lambda step: step.name)
def test_every_refusal_in_the_corpus_is_a_real_loss_or_misfit(step: Step) -> None:
    assert step.outcome in {"destroys", "unfit"}
    assert bool(step.fix_data) == (step.outcome == "unfit")
