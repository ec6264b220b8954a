"""Checksums and the audit trail of applied revisions, on SQLite and PostgreSQL, through the API and the CLI.

Revision files are edited in a throwaway copy of the scripts folder: the API gets it as ``script_location``, the
``stockdata`` command as ``MIGRATION_SCRIPT_LOCATION``.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app import __version__
from app.infrastructure.database.migration import (
    downgrade_database,
    get_status,
    stamp,
    upgrade_database,
    verify_migrations,
)
from app.infrastructure.database.migration.errors import ModifiedMigrationsError
from app.infrastructure.database.migration.guard.checksums import file_checksum
from harness.commands import ALEMBIC
from harness.queries import execute, scalar
from tests.helpers import invoke, reflect_schema, run
from tests.scripts_folder import INITIAL, NOTES, project_revision_count, revision_file

HISTORY = "stockdata_migration_history"


def upgrade(url: str, scripts: Path, revision: str = "head") -> None:
    asyncio.run(upgrade_database(revision, database_url=url, script_location=scripts))


def recorded_checksum(url: str, revision: str) -> str:
    return str(scalar(url, f"SELECT checksum FROM {HISTORY} WHERE revision = '{revision}'"))


def test_upgrade_records_checksum_and_audit_of_each_revision(database_url: str, notes_scripts: Path) -> None:
    started = datetime.now(UTC)
    upgrade(database_url, notes_scripts)

    status = asyncio.run(get_status(database_url=database_url, script_location=notes_scripts))
    audits = {info.revision: info.audit for info in status.revisions}
    assert set(audits) >= {INITIAL, NOTES}
    for revision, audit in audits.items():
        assert audit is not None
        assert audit.checksum == file_checksum(revision_file(notes_scripts, revision))
        assert audit.method == "upgrade"
        assert audit.app_version == __version__
        assert audit.host == socket.gethostname()
        assert audit.seconds is not None
        assert 0 <= audit.seconds < 60
        assert audit.applied_at is not None
        applied_at = datetime.fromisoformat(audit.applied_at)
        assert started - timedelta(seconds=2) <= applied_at <= datetime.now(UTC) + timedelta(seconds=2)

    as_json = invoke(["migrate", "status", "--json"], database_url=database_url)
    assert as_json.exit_code == 0, as_json.output
    payload = json.loads(as_json.stdout)
    assert [entry["audit"]["host"] for entry in payload["revisions"]] == [socket.gethostname()] * len(audits)
    assert payload["revisions"][-1]["audit"]["checksum"] == recorded_checksum(database_url, NOTES)
    as_text = invoke(["migrate", "status"], database_url=database_url)
    assert f"{__version__}@{socket.gethostname()}" in as_text.stdout
    assert "applied (UTC)" in as_text.stdout


def test_modified_revision_is_reported_refused_then_accepted(database_url: str, notes_scripts: Path) -> None:
    upgrade(database_url, notes_scripts, INITIAL)
    original = recorded_checksum(database_url, INITIAL)
    initial = revision_file(notes_scripts, INITIAL)
    initial.write_text(initial.read_text().replace("sa.String(length=1000)", "sa.String(length=2000)"))

    verification = asyncio.run(verify_migrations(database_url=database_url, script_location=notes_scripts))
    assert [(found.revision, found.problem) for found in verification.mismatches] == [(INITIAL, "modified")]
    assert verification.mismatches[0].current_checksum == file_checksum(initial)
    verify = invoke(["migrate", "verify"], database_url=database_url)
    assert verify.exit_code == 16, verify.stderr
    assert f"MODIFIED  {INITIAL}  Initial migration" in verify.stdout
    assert "--accept-modified" in verify.stderr

    refused = invoke(["migrate", "upgrade"], database_url=database_url)
    assert refused.exit_code == 16, refused.stderr
    assert f"{INITIAL} (modified); nothing was upgraded" in refused.stderr
    assert scalar(database_url, "SELECT version_num FROM alembic_version") == INITIAL
    with pytest.raises(ModifiedMigrationsError):
        upgrade(database_url, notes_scripts)

    accepted = invoke(["migrate", "upgrade", "--accept-modified", INITIAL[:6]], database_url=database_url)
    assert accepted.exit_code == 0, accepted.output
    assert f"Note: accepted the modified script of revision {INITIAL}" in accepted.stdout
    assert scalar(database_url, "SELECT version_num FROM alembic_version") == NOTES
    assert recorded_checksum(database_url, INITIAL) == file_checksum(initial) != original
    assert invoke(["migrate", "verify"], database_url=database_url).exit_code == 0


def test_formatting_comments_and_docstrings_are_not_changes(database_url: str, notes_scripts: Path) -> None:
    upgrade(database_url, notes_scripts)
    files = sorted((notes_scripts / "versions").glob("*.py"))  # the project's revisions and NOTES
    before = [path.read_text() for path in files]

    formatted = run([ALEMBIC.with_name("ruff"), "format", "--line-length", "60", *files])
    assert formatted.returncode == 0, formatted.stderr
    for path in files:
        text = re.sub(r'^"""[^\n]*', '"""A reworded module docstring', path.read_text())
        path.write_text("# A comment added after the revision ran.\n" + text)

    assert [path.read_text() for path in files] != before
    assert asyncio.run(verify_migrations(database_url=database_url, script_location=notes_scripts)).ok
    verify = invoke(["migrate", "verify"], database_url=database_url)
    assert verify.exit_code == 0, verify.output
    assert f"OK: the {len(files)} recorded revision(s) match their scripts." in verify.stdout


def test_deleted_applied_revision_is_reported_and_refused(database_url: str, notes_scripts: Path) -> None:
    upgrade(database_url, notes_scripts)
    revision_file(notes_scripts, NOTES).unlink()

    verification = asyncio.run(verify_migrations(database_url=database_url, script_location=notes_scripts))
    assert [(found.revision, found.problem) for found in verification.mismatches] == [(NOTES, "missing")]
    verify = invoke(["migrate", "verify", "--json"], database_url=database_url)
    assert verify.exit_code == 16
    assert json.loads(verify.stdout)["mismatches"][0]["problem"] == "missing"

    # The database is at the missing revision: no run can be planned from there, so upgrade stops before the guards.
    refused = invoke(["migrate", "upgrade"], database_url=database_url)
    assert refused.exit_code == 5, refused.stderr
    assert f"the database is at revision {NOTES}, which this code does not have" in refused.stderr


def test_database_migrated_before_checksums_gets_them_on_the_next_upgrade(
    database_url: str, notes_scripts: Path
) -> None:
    upgrade(database_url, notes_scripts, INITIAL)
    execute(database_url, f"DROP TABLE {HISTORY}")

    verification = asyncio.run(verify_migrations(database_url=database_url, script_location=notes_scripts))
    assert verification.ok
    assert verification.unrecorded == (INITIAL,)

    upgraded = invoke(["migrate", "upgrade"], database_url=database_url)
    assert upgraded.exit_code == 0, upgraded.output
    assert f"Note: recorded the checksums of 1 revision(s) applied before checksums were kept ({INITIAL})" in (
        upgraded.stdout
    )
    assert scalar(database_url, f"SELECT method FROM {HISTORY} WHERE revision = '{INITIAL}'") == "backfill"
    assert scalar(database_url, f"SELECT applied_at FROM {HISTORY} WHERE revision = '{INITIAL}'") is None
    assert scalar(database_url, f"SELECT method FROM {HISTORY} WHERE revision = '{NOTES}'") == "upgrade"
    assert recorded_checksum(database_url, INITIAL) == file_checksum(revision_file(notes_scripts, INITIAL))


def test_downgrade_and_stamp_keep_the_rows_in_step(database_url: str, notes_scripts: Path) -> None:
    upgrade(database_url, notes_scripts)
    rows = f"SELECT count(*) FROM {HISTORY}"
    project = project_revision_count()
    assert scalar(database_url, rows) == project + 1

    asyncio.run(downgrade_database(database_url=database_url, script_location=notes_scripts))
    assert scalar(database_url, rows) == project
    assert scalar(database_url, f"SELECT count(*) FROM {HISTORY} WHERE revision = '{NOTES}'") == 0

    asyncio.run(stamp("head", database_url=database_url, script_location=notes_scripts))
    assert scalar(database_url, f"SELECT method FROM {HISTORY} WHERE revision = '{NOTES}'") == "stamp"
    assert scalar(database_url, rows) == project + 1

    asyncio.run(stamp("base", database_url=database_url, script_location=notes_scripts))
    assert scalar(database_url, rows) == 0


def test_plain_alembic_records_and_removes_rows_too(database_url: str) -> None:
    assert run([ALEMBIC, "upgrade", "head"], database_url=database_url).returncode == 0
    assert scalar(database_url, f"SELECT method FROM {HISTORY} WHERE revision = '{INITIAL}'") == "upgrade"

    check = invoke(["migrate", "check"], database_url=database_url)
    assert check.exit_code == 0, f"the history table must not count as drift: {check.output}"

    assert run([ALEMBIC, "downgrade", "base"], database_url=database_url).returncode == 0
    assert scalar(database_url, f"SELECT count(*) FROM {HISTORY}") == 0
    assert set(reflect_schema(database_url)) == {"alembic_version", HISTORY}
