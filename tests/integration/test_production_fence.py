"""The production fence: a database marked as production refuses downgrade, stamp, --accept-modified and
unmarking unless its name is typed at a terminal or --i-know-this-is-production is given."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from app.infrastructure.database.migration import downgrade_database, mark_environment, upgrade_database
from app.infrastructure.database.migration.errors import ProductionGuardError
from harness.commands import STOCKDATA
from harness.queries import scalar
from tests.helpers import invoke, reflect_schema, run_in_terminal
from tests.scripts_folder import INITIAL, project_head, revision_file

VERSION = "SELECT version_num FROM alembic_version"


@pytest.fixture
def production(database_url: str) -> str:
    """A database at the initial revision (one downgrade drops every table), marked as production through the CLI."""
    asyncio.run(upgrade_database(INITIAL, database_url=database_url))
    marked = invoke(["migrate", "mark-environment", "production"], database_url=database_url)
    assert marked.exit_code == 0, marked.stderr
    assert "as production" in marked.stdout
    return database_url


def typed_name(url: str) -> str:
    database = make_url(url).database or ""
    return Path(database).name if url.startswith("sqlite") else database


def test_guarded_commands_refuse_without_confirmation_and_change_nothing(production: str) -> None:
    schema = reflect_schema(production)

    for args in (["downgrade", "--yes"], ["stamp", "base"], ["mark-environment", "development"]):
        refused = invoke(["migrate", *args], database_url=production)
        assert refused.exit_code == 17, (args, refused.stderr)
        assert "is marked as production" in refused.stderr
        assert "--i-know-this-is-production" in refused.stderr
    with pytest.raises(ProductionGuardError):
        asyncio.run(downgrade_database(database_url=production))

    assert reflect_schema(production) == schema
    assert scalar(production, VERSION) == INITIAL
    status = json.loads(invoke(["migrate", "status", "--json"], database_url=production).stdout)
    assert status["environment"] == "production"


def test_the_flag_confirms_in_scripts(production: str) -> None:
    flag = "--i-know-this-is-production"
    downgraded = invoke(["migrate", "downgrade", "--yes", flag], database_url=production)
    assert downgraded.exit_code == 0, downgraded.stderr
    assert scalar(production, "SELECT count(*) FROM alembic_version") == 0

    stamped = invoke(["migrate", "stamp", "head", flag], database_url=production)
    assert stamped.exit_code == 0, stamped.stderr
    assert scalar(production, VERSION) == project_head()


def test_typing_the_database_name_confirms_at_a_terminal(production: str) -> None:
    wrong = run_in_terminal([STOCKDATA, "migrate", "stamp", "base"], "not-it\n", database_url=production)
    assert wrong.returncode == 17, wrong.stderr
    assert "the name typed does not match" in wrong.stderr
    assert scalar(production, VERSION) == INITIAL

    name = typed_name(production)
    right = run_in_terminal([STOCKDATA, "migrate", "downgrade"], f"y\n{name}\n", database_url=production)
    assert right.returncode == 0, right.stderr
    assert f"Type its name ({name}) to downgrade it" in right.stdout
    assert "drop table stocks (0 rows)" in right.stdout
    assert scalar(production, "SELECT count(*) FROM alembic_version") == 0


def test_accepting_a_modified_revision_on_production_needs_confirmation(database_url: str, notes_scripts: Path) -> None:
    asyncio.run(upgrade_database(INITIAL, database_url=database_url, script_location=notes_scripts))
    asyncio.run(mark_environment("production", database_url=database_url))
    initial = revision_file(notes_scripts, INITIAL)
    initial.write_text(initial.read_text().replace("sa.String(length=1000)", "sa.String(length=2000)"))

    refused = invoke(["migrate", "upgrade", "--accept-modified", INITIAL], database_url=database_url)
    assert refused.exit_code == 17, refused.stderr
    assert "--accept-modified needs confirmation" in refused.stderr
    assert scalar(database_url, VERSION) == INITIAL

    accepted = invoke(
        ["migrate", "upgrade", "--accept-modified", INITIAL, "--i-know-this-is-production"],
        database_url=database_url,
    )
    assert accepted.exit_code == 0, accepted.stderr
    assert "accepted the modified script" in accepted.stdout
