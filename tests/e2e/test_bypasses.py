"""Adversarial: the ways around the guards that ``stockdata migrate`` enforces, tried as a careless operator would.

Plain ``alembic`` and ``alembic.command`` called from code must meet the same production fence and checksum guard
(they live in ``alembic/env.py``'s online path, :mod:`app.infrastructure.database.migration.run.guards`): a refusal
is one ``FAILED: …`` line, a non-zero exit and an unchanged database; ``-x`` arguments confirm. A new command or
entry point that changes the database belongs here too.
"""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path
from typing import Any

import pytest
from alembic import command

from app.infrastructure.database.migration import mark_environment, upgrade_database
from app.infrastructure.database.migration.errors import ProductionGuardError
from app.infrastructure.database.migration.setup import build_config
from harness.commands import ALEMBIC
from harness.queries import column, version
from tests.helpers import TABLES_AT_BASE, TABLES_AT_HEAD, reflect_schema, run
from tests.scripts_folder import INITIAL, NOTES, add_notes_revision, revision_file

CONFIRM = ("-x", "i-know-this-is-production=1")
HISTORY = "SELECT revision FROM stockdata_migration_history ORDER BY revision"


@pytest.fixture
def production(database_url: str) -> str:
    """A database at head, marked as production."""
    asyncio.run(upgrade_database(database_url=database_url))
    asyncio.run(mark_environment("production", database_url=database_url))
    return database_url


def state(url: str) -> tuple[dict[str, Any], list[str], list[str]]:
    """The schema, the version rows and the history rows of the database at ``url``."""
    return reflect_schema(url), version(url), column(url, HISTORY)


def alembic(url: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run plain ``alembic ARGS`` on ``url`` (through ``DATABASE_URL``, as an operator's shell would)."""
    return run([ALEMBIC, *args], database_url=url)


def assert_refused(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    """Alembic's way of failing: a non-zero exit and one ``FAILED:`` line holding every fragment, no traceback."""
    assert result.returncode != 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [result.stdout.strip()], result.stdout
    assert result.stdout.startswith("FAILED: "), result.stdout + result.stderr
    for fragment in fragments:
        assert fragment in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [("downgrade", "base"), ("stamp", "base")], ids=["downgrade", "stamp"])
def test_plain_alembic_cannot_downgrade_or_stamp_a_production_database(production: str, args: tuple[str, str]) -> None:
    before = state(production)

    refused = alembic(production, *args)

    assert_refused(refused, f"is marked as production: {args[0]} needs confirmation", "-x i-know-this-is-production=1")
    assert state(production) == before
    assert set(before[0]) == TABLES_AT_HEAD | {"stockdata_environment"}

    confirmed = alembic(production, *CONFIRM, *args)

    assert confirmed.returncode == 0, confirmed.stdout + confirmed.stderr
    assert version(production) == []
    assert column(production, HISTORY) == []
    if args[0] == "downgrade":
        assert set(reflect_schema(production)) == TABLES_AT_BASE | {"stockdata_environment"}


def test_alembic_command_called_from_code_meets_the_fence_too(production: str) -> None:
    before = state(production)
    config = build_config(database_url=production)

    with pytest.raises(ProductionGuardError, match="downgrade needs confirmation"):
        command.downgrade(config, "base")

    assert state(production) == before


def test_plain_alembic_cannot_upgrade_past_an_edited_applied_revision(database_url: str, scripts: Path) -> None:
    ini = add_notes_revision(scripts) / "alembic.ini"
    assert alembic(database_url, "-c", ini, "upgrade", INITIAL).returncode == 0
    initial = revision_file(scripts, INITIAL)
    initial.write_text(initial.read_text().replace("sa.String(length=1000)", "sa.String(length=2000)"))
    before = state(database_url)

    refused = alembic(database_url, "-c", ini, "upgrade", "head")

    assert_refused(refused, f"{INITIAL} (modified); nothing was upgraded", "-x accept-modified=REV")
    assert state(database_url) == before
    assert "notes" not in before[0]

    accepted = alembic(database_url, "-c", ini, "-x", f"accept-modified={INITIAL[:6]}", "upgrade", "head")

    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert f"accepted the modified script of revision {INITIAL}" in accepted.stderr
    assert version(database_url) == [NOTES]


def test_plain_alembic_accepting_a_modified_revision_on_production_needs_confirmation(
    database_url: str, scripts: Path
) -> None:
    ini = add_notes_revision(scripts) / "alembic.ini"
    assert alembic(database_url, "-c", ini, "upgrade", INITIAL).returncode == 0
    asyncio.run(mark_environment("production", database_url=database_url))
    initial = revision_file(scripts, INITIAL)
    initial.write_text(initial.read_text().replace("sa.String(length=1000)", "sa.String(length=2000)"))
    accept = ("-c", ini, "-x", f"accept-modified={INITIAL}", "upgrade", "head")
    before = state(database_url)

    refused = alembic(database_url, *accept)

    assert_refused(refused, "--accept-modified needs confirmation")
    assert state(database_url) == before
    confirmed = alembic(database_url, *CONFIRM, *accept)
    assert confirmed.returncode == 0, confirmed.stdout + confirmed.stderr
    assert version(database_url) == [NOTES]
