"""Every ``stockdata migrate`` command's everyday use, on SQLite and PostgreSQL, in-process and as the console script.

Each test is a short flow on one database, so that the console-script runs (about a second each) stay few.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from pathlib import Path

import pytest

from app.infrastructure.database.migration import show_history
from app.infrastructure.database.migration.setup import SCRIPT_LOCATION
from harness.queries import scalar
from tests.cli.invocation import Migrate, Outcome, in_process
from tests.helpers import TABLES_AT_BASE, TABLES_AT_HEAD, reflect_schema, run
from tests.scripts_folder import project_head

HISTORY = asyncio.run(show_history())
HEAD = project_head()
BELOW_HEAD = HISTORY[-2].revision if len(HISTORY) > 1 else "base"
SECONDS = r"\d+\.\d\d s"
UNREACHABLE = "postgresql://nobody@127.0.0.1:1/none"


def revisions(count: int) -> str:
    return f"{count} revision" if count == 1 else f"{count} revisions"


def ok(outcome: Outcome) -> Outcome:
    assert outcome.exit_code == 0, outcome.output
    return outcome


def test_upgrade_prints_each_revision_and_a_summary_then_nothing_to_do(migrate: Migrate, database_url: str) -> None:
    first = ok(migrate("upgrade", env={"DATABASE_URL": database_url}))
    again = ok(migrate("upgrade", "--database-url", database_url))

    *steps, summary = first.stdout.splitlines()
    assert len(steps) == len(HISTORY)
    for line, info in zip(steps, HISTORY, strict=True):
        assert re.fullmatch(rf"  ↑ {info.revision}  {re.escape(info.message)}  \({SECONDS}\)", line), line
    assert re.fullmatch(rf"Upgraded base → {HEAD}: {revisions(len(HISTORY))} in {SECONDS}\.", summary), summary
    assert first.stderr == ""
    assert again.stdout == f"Nothing to do: the database is already at {HEAD}.\n"
    assert set(reflect_schema(database_url)) == TABLES_AT_HEAD
    assert scalar(database_url, "SELECT version_num FROM alembic_version") == HEAD


def test_upgrade_json_then_downgrades_with_yes(migrate: Migrate, database_url: str) -> None:
    up = json.loads(ok(migrate("upgrade", "--json", "--database-url", database_url)).stdout)
    one = ok(migrate("downgrade", "--yes", "--database-url", database_url))
    ok(migrate("upgrade", "-q", "--database-url", database_url))
    steps_back = ok(migrate("downgrade", f"-{len(HISTORY)}", "-y", "--json", "--database-url", database_url))
    nothing = ok(migrate("downgrade", "--database-url", database_url))

    assert (up["schema_version"], up["command"], up["from"], up["to"]) == (1, "upgrade", [], [HEAD])
    assert [step["revision"] for step in up["steps"]] == [info.revision for info in HISTORY]
    assert {step["direction"] for step in up["steps"]} == {"upgrade"}
    assert {"revision", "message", "direction", "seconds"} <= set(up["steps"][0])
    step, summary = one.stdout.splitlines()
    assert re.fullmatch(rf"  ↓ {HEAD}  {re.escape(HISTORY[-1].message)}  \({SECONDS}\)", step), step
    assert re.fullmatch(rf"Downgraded {HEAD} → {BELOW_HEAD}: 1 revision in {SECONDS}\.", summary), summary
    back = json.loads(steps_back.stdout)
    assert (back["command"], back["from"], back["to"]) == ("downgrade", [HEAD], [])
    assert [step["direction"] for step in back["steps"]] == ["downgrade"] * len(HISTORY)
    assert nothing.stdout == "Nothing to do: the database is already at base.\n"
    assert set(reflect_schema(database_url)) == TABLES_AT_BASE
    assert scalar(database_url, "SELECT count(*) FROM alembic_version") == 0


def test_current_and_status_before_and_after_upgrade(migrate: Migrate, database_url: str) -> None:
    current_before = ok(migrate("current", "--database-url", database_url))
    json_before = json.loads(ok(migrate("current", "--json", "--database-url", database_url)).stdout)
    status_before = ok(migrate("status", "--database-url", database_url))
    ok(migrate("upgrade", "-q", "--database-url", database_url))
    current_after = ok(migrate("current", "--database-url", database_url))
    status_after = ok(migrate("status", "--database-url", database_url))
    status_json = json.loads(ok(migrate("status", "--json", "--database-url", database_url)).stdout)

    pending = revisions(len(HISTORY))
    assert current_before.stdout == (
        f"no revision (unmigrated database): {pending} pending; run `stockdata migrate upgrade`.\n"
    )
    assert json_before == {
        "schema_version": 1,
        "command": "current",
        "current": [],
        "heads": [HEAD],
        "up_to_date": False,
        "pending": [info.revision for info in HISTORY],
    }
    header, *rows, last = status_before.stdout.splitlines()
    assert header.split() == ["revision", "created", "applied", "(UTC)", "took", "by", "message"]
    assert [row[:5] for row in rows] == ["[ ]  "] * len(HISTORY)
    assert f"{HEAD} (head)" in rows[-1]
    assert HISTORY[0].message in rows[0]
    assert last == current_before.stdout.strip()
    assert current_after.stdout == f"{HEAD} (head): up to date.\n"
    _, *rows, last = status_after.stdout.splitlines()
    assert [row[:5] for row in rows] == ["[x]  "] * len(HISTORY)
    assert last == f"{HEAD} (head): up to date."
    assert (status_json["schema_version"], status_json["command"]) == (1, "status")
    assert (status_json["current"], status_json["heads"], status_json["up_to_date"], status_json["pending"]) == (
        [HEAD],
        [HEAD],
        True,
        [],
    )
    first = status_json["revisions"][0]
    assert {"revision", "down_revisions", "message", "create_date", "is_head", "applied"} <= set(first)
    assert (first["revision"], first["down_revisions"], first["applied"]) == (HISTORY[0].revision, [], True)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d.*", first["create_date"])


def test_check_fails_with_pending_revisions_and_passes_at_head(migrate: Migrate, database_url: str) -> None:
    pending = migrate("check", "--database-url", database_url)
    pending_json = migrate("check", "--json", "--database-url", database_url)
    ok(migrate("upgrade", "-q", "--database-url", database_url))
    passed = ok(migrate("check", "--database-url", database_url))
    passed_json = json.loads(ok(migrate("check", "--json", "--database-url", database_url)).stdout)

    assert pending.exit_code == pending_json.exit_code == 9, pending.output
    assert pending.stderr == (
        f"Error: {revisions(len(HISTORY))} pending ({', '.join(info.revision for info in HISTORY)}); "
        "run `stockdata migrate upgrade`\n"
    )
    document = json.loads(pending_json.stdout)
    assert (document["ok"], document["pending"]) == (False, [info.revision for info in HISTORY])
    assert passed.stdout == "OK: no pending revisions, and the models match the database.\n"
    assert passed_json == {
        "schema_version": 1,
        "command": "check",
        "ok": True,
        "pending": [],
        "differences": [],
        "ignored_tables": [],
    }


def test_stamp_records_a_revision_without_running_it(migrate: Migrate, database_url: str) -> None:
    stamped = ok(migrate("stamp", "head", "--database-url", database_url))
    schema_after_stamp = set(reflect_schema(database_url))
    version_after_stamp = scalar(database_url, "SELECT version_num FROM alembic_version")
    back = json.loads(ok(migrate("stamp", "base", "--json", "--database-url", database_url)).stdout)

    assert stamped.stdout == f"Stamped base → {HEAD}.\n"
    assert schema_after_stamp == TABLES_AT_BASE
    assert version_after_stamp == HEAD
    assert (back["command"], back["from"], back["to"], back["steps"]) == ("stamp", [HEAD], [], [])
    assert scalar(database_url, "SELECT count(*) FROM alembic_version") == 0


def test_sql_renders_upgrade_and_downgrade_offline_for_the_dialect(migrate: Migrate, database_url: str) -> None:
    up = ok(migrate("sql", "--database-url", database_url))
    down = ok(migrate("sql", f"{HEAD}:base", "--database-url", database_url))
    empty = ok(migrate("sql", f"{HEAD}:{HEAD}", "--database-url", database_url))

    assert "CREATE TABLE listed_info (" in up.stdout
    assert f"INSERT INTO alembic_version (version_num) VALUES ('{HISTORY[0].revision}')" in up.stdout
    assert f"UPDATE alembic_version SET version_num='{HEAD}' WHERE alembic_version.version_num = '{BELOW_HEAD}'" in (
        up.stdout
    )
    assert "DROP INDEX ix_prices_id;" in up.stdout  # the second revision renders offline on SQLite too
    comment = "COMMENT ON COLUMN listed_info.code IS 'Stock code, up to 10 characters';"
    assert (comment in up.stdout) == database_url.startswith("postgresql")
    assert "DROP TABLE listed_info;" in down.stdout
    assert "CREATE TABLE" not in down.stdout
    assert (empty.stdout, empty.stderr) == ("", f"Nothing to render: {HEAD}:{HEAD} holds no revision.\n")
    assert reflect_schema(database_url) == {}


def test_history_heads_and_sql_need_no_database(migrate: Migrate) -> None:
    unreachable = {"DATABASE_URL": UNREACHABLE}

    history = ok(migrate("history", env=unreachable))
    verbose = ok(migrate("history", "-v", env=unreachable))
    history_json = json.loads(ok(migrate("history", "--json", env=unreachable)).stdout)
    heads = ok(migrate("heads", env=unreachable))
    heads_json = json.loads(ok(migrate("heads", "--json", env=unreachable)).stdout)
    sql = ok(migrate("sql", env=unreachable))

    lines = history.stdout.splitlines()
    assert len(lines) == len(HISTORY)
    assert lines[0].startswith(f"{BELOW_HEAD.replace('base', '<base>')} -> {HEAD} (head), ")
    first_head = " (head)" if len(HISTORY) == 1 else ""
    assert lines[-1] == f"<base> -> {HISTORY[0].revision}{first_head}, {HISTORY[0].message}"
    assert verbose.stdout.splitlines()[-1] == f"{lines[-1]}  [{HISTORY[0].create_date}]"
    assert (history_json["schema_version"], history_json["command"]) == (1, "history")
    assert [entry["revision"] for entry in history_json["revisions"]] == [info.revision for info in HISTORY]
    assert (history_json["revisions"][-1]["is_head"], history_json["revisions"][0]["applied"]) == (True, None)
    assert heads.stdout == f"{HEAD}\n"
    assert heads_json == {"schema_version": 1, "command": "heads", "heads": [HEAD]}
    assert "CREATE TABLE listed_info (" in sql.stdout


def test_revision_empty_writes_a_file_in_the_scripts_folder_only(
    migrate: Migrate, sqlite_url: str, scripts: Path, scripts_env: dict[str, str]
) -> None:
    repo_versions = sorted((SCRIPT_LOCATION / "versions").glob("*.py"))

    outcome = ok(
        migrate("revision", "-m", "backfill market codes", "--empty", "--database-url", sqlite_url, env=scripts_env)
    )

    (written,) = (scripts / "versions").glob("*backfill_market_codes.py")
    assert outcome.stdout == (
        f"Wrote {written}. Review it before applying: autogenerate cannot see renames or data moves.\n"
    )
    text = written.read_text()
    assert '"""backfill market codes' in text
    assert f'down_revision: str | Sequence[str] | None = "{HEAD}"' in text
    assert sorted((SCRIPT_LOCATION / "versions").glob("*.py")) == repo_versions
    assert Path(sqlite_url.removeprefix("sqlite+aiosqlite:///")).stat().st_size == 0


@pytest.mark.parametrize(
    "command",
    ["upgrade", "downgrade", "current", "status", "history", "heads", "revision", "merge", "check", "stamp", "sql"],
)
def test_every_command_has_help_with_an_example(command: str) -> None:
    outcome = ok(in_process([command, "--help"], None))

    assert outcome.stdout.startswith(f"Usage: stockdata migrate {command} [OPTIONS]")
    assert f"stockdata migrate {command}" in outcome.stdout.split("Example", 1)[1]
    assert "--database-url URL" in outcome.stdout


def test_python_dash_m_app_is_the_same_command_line_from_any_folder(tmp_path: Path) -> None:
    outcome = run([sys.executable, "-m", "app", "migrate", "heads"], cwd=tmp_path)

    assert outcome.returncode == 0, outcome.stderr
    assert outcome.stdout == f"{HEAD}\n"
