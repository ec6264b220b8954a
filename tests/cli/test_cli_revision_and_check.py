"""``revision --autogenerate`` refuses to write a wrong or empty revision, and ``check`` explains drift readably.

Drift is made by altering the real database with SQL; revisions are written into a copy of the scripts folder.
"""

from __future__ import annotations

import json
from pathlib import Path

from harness.queries import execute
from tests.cli.invocation import Migrate, database_state, fails, upgraded

DRIFT_SQL = ["ALTER TABLE listed_info DROP COLUMN margin_code_name", "ALTER TABLE listed_info ADD COLUMN x VARCHAR(20)"]
DRIFT_LINES = [
    "  - add column listed_info.margin_code_name VARCHAR(50)",
    "  - drop column listed_info.x VARCHAR(20)",
]


def written_revisions(scripts: Path) -> list[str]:
    return sorted(path.name for path in (scripts / "versions").glob("*.py"))


def test_check_lists_each_difference_as_a_developer_would_write_it(migrate: Migrate, database_url: str) -> None:
    upgraded(migrate, database_url)
    statements, lines = list(DRIFT_SQL), list(DRIFT_LINES)
    if database_url.startswith("postgresql"):  # SQLite cannot change a column's default in place
        statements.append("ALTER TABLE stocks ALTER COLUMN market SET DEFAULT 'TSE'")
        statements.append("ALTER TABLE stocks ALTER COLUMN created_at SET DEFAULT '2020-01-01 00:00:00'")
        statements.append("COMMENT ON COLUMN stocks.market IS 'segment'")
        lines.append("  - comment on stocks.market differs: 'segment' in DB vs none in model")
        lines.append("  - server default of stocks.market differs: 'TSE'::character varying in DB vs none in model")
        lines.append(
            "  - server default of stocks.created_at differs: '2020-01-01 00:00:00+00'::timestamp with time zone in DB "
            "vs CURRENT_TIMESTAMP in model"
        )
    execute(database_url, *statements)
    before = database_state(database_url)

    text = migrate("check", "--database-url", database_url)
    as_json = migrate("check", "--json", "--database-url", database_url)

    assert text.exit_code == as_json.exit_code == 10, text.output
    header, *differences = text.stdout.splitlines()
    assert header == "The models and the database differ:"
    assert sorted(differences) == sorted(lines)
    assert text.stderr == (
        f"Error: {len(lines)} differences between the models and the database; "
        'generate a revision with `stockdata migrate revision -m "..."`\n'
    )
    document = json.loads(as_json.stdout)
    assert (document["schema_version"], document["command"], document["ok"], document["pending"]) == (
        1,
        "check",
        False,
        [],
    )
    assert sorted(f"  - {entry['description']}" for entry in document["differences"]) == sorted(lines)
    assert {(entry["kind"], entry["table"]) for entry in document["differences"]} >= {
        ("add_column", "listed_info"),
        ("remove_column", "listed_info"),
    }
    assert database_state(database_url) == before


def test_ci_gate_check_fails_then_generate_upgrade_and_check_passes(
    migrate: Migrate, database_url: str, scripts: Path, scripts_env: dict[str, str]
) -> None:
    upgraded(migrate, database_url, env=scripts_env)
    execute(database_url, DRIFT_SQL[0])

    drifted = migrate("check", "--database-url", database_url, env=scripts_env)
    generated = migrate("revision", "-m", "restore margin code name", "--database-url", database_url, env=scripts_env)
    pending = migrate("check", "--database-url", database_url, env=scripts_env)
    upgraded(migrate, database_url, env=scripts_env)
    passed = migrate("check", "--database-url", database_url, env=scripts_env)

    assert drifted.exit_code == 10, drifted.output
    assert generated.exit_code == 0, generated.output
    (path,) = (scripts / "versions").glob("*restore_margin_code_name.py")
    assert generated.stdout.startswith(f"Wrote {path}. Review it")
    assert '"margin_code_name", sa.String(length=50)' in path.read_text()
    assert pending.exit_code == 9, pending.output
    assert passed.exit_code == 0, passed.output


def test_autogenerate_refuses_when_the_database_is_not_at_head(
    migrate: Migrate, database_url: str, scripts: Path, scripts_env: dict[str, str]
) -> None:
    files = written_revisions(scripts)

    fails(
        migrate,
        "revision",
        "-m",
        "add isin",
        "--database-url",
        database_url,
        env=scripts_env,
        code=9,
        fragments=("the database is not at head, so autogenerate would see the pending revisions as differences",),
    )
    assert written_revisions(scripts) == files
    assert database_state(database_url) == ({}, None, None)


def test_autogenerate_refuses_an_empty_revision_unless_empty_is_asked_for(
    migrate: Migrate, database_url: str, scripts: Path, scripts_env: dict[str, str]
) -> None:
    upgraded(migrate, database_url, env=scripts_env)
    files = written_revisions(scripts)
    before = database_state(database_url)

    fails(
        migrate,
        "revision",
        "-m",
        "nothing",
        "--database-url",
        database_url,
        env=scripts_env,
        code=11,
        fragments=("no differences between the models and the database: nothing to generate (use --empty",),
    )
    assert written_revisions(scripts) == files
    empty = migrate("revision", "-m", "nothing", "--empty", "--database-url", database_url, env=scripts_env)
    assert empty.exit_code == 0, empty.output
    assert len(written_revisions(scripts)) == len(files) + 1
    assert database_state(database_url) == before
