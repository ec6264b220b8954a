"""The API reads each revision file once per run and checks over a single connection (what the benchmarks found)."""

from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncConnection

from app.infrastructure.database.migration import (
    check_database,
    downgrade_database,
    get_status,
    reading,
    upgrade_database,
)
from harness.queries import execute
from tests.scripts_folder import project_revision_count


@pytest.fixture
def script_loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every ``ScriptDirectory`` built from a config, i.e. every reading of the revision files."""
    loads: list[str] = []
    real = ScriptDirectory.from_config.__func__  # type: ignore[attr-defined]

    def counting(cls: type[ScriptDirectory], config: object) -> ScriptDirectory:
        loads.append("load")
        return real(cls, config)  # type: ignore[no-any-return]

    monkeypatch.setattr(ScriptDirectory, "from_config", classmethod(counting))
    return loads


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The URL of every connection the migration API's read-only verbs open."""
    opened: list[str] = []
    real = reading.open_connection

    def counting(url: str) -> AbstractAsyncContextManager[AsyncConnection]:
        opened.append(url)
        return real(url)

    monkeypatch.setattr(reading, "open_connection", counting)
    return opened


def test_upgrade_and_downgrade_read_the_revision_files_once(database_url: str, script_loads: list[str]) -> None:
    upgraded = asyncio.run(upgrade_database(database_url=database_url))
    assert script_loads == ["load"]
    assert len(upgraded.steps) == project_revision_count()

    script_loads.clear()
    downgraded = asyncio.run(downgrade_database("base", database_url=database_url))
    assert script_loads == ["load"]
    assert downgraded.to_revisions == ()


def test_check_database_reports_pending_revisions_without_comparing(database_url: str, connections: list[str]) -> None:
    result = asyncio.run(check_database(database_url=database_url))

    assert [info.revision for info in result.status.pending] == [info.revision for info in result.status.revisions]
    assert result.status.pending[-1].revision in result.status.heads
    assert result.differences == ()
    assert len(connections) == 1


def test_check_database_at_head_finds_drift_over_one_connection(database_url: str, connections: list[str]) -> None:
    asyncio.run(upgrade_database(database_url=database_url))
    execute(database_url, "DROP INDEX idx_listed_info_code")
    connections.clear()

    result = asyncio.run(check_database(database_url=database_url))

    assert result.status == asyncio.run(get_status(database_url=database_url))
    assert result.status.pending == ()
    assert [(difference.kind, difference.table) for difference in result.differences] == [("add_index", "listed_info")]
    assert result.ignored_tables == ()
    assert len(connections) == 1  # check_database's (get_status reads through the bare driver, not this function)
