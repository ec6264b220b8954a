"""``stockdata migrate adopt``, and what ``upgrade``, ``stamp`` and ``check`` say about legacy and foreign tables."""

from __future__ import annotations

import json
import re

from harness.legacy import build_legacy_listed_info
from harness.queries import execute, version
from tests.helpers import invoke, reflect_schema
from tests.legacy import create_all
from tests.scripts_folder import INITIAL, project_head

HEAD = project_head()


def test_dry_run_shows_the_state_and_the_exact_statements_then_adopt_applies_them(postgres_url: str) -> None:
    build_legacy_listed_info(postgres_url, "001")
    execute(postgres_url, "CREATE TABLE old_import_log (id int)")

    dry = invoke(["migrate", "adopt", "--dry-run"], database_url=postgres_url)

    assert dry.exit_code == 0, dry.output
    assert "listed_info  legacy 001  (sql/migrations_archive: 001)" in dry.output
    assert "  stocks       missing" in dry.output
    assert "Not modelled by the application, left untouched: old_import_log" in dry.output
    assert "  ALTER TABLE listed_info ALTER COLUMN code TYPE VARCHAR(10);" in dry.output
    assert "  CREATE TABLE stocks (" in dry.output
    assert dry.output.rstrip().endswith("Dry run: nothing was changed. Run `stockdata migrate adopt` to apply.")
    assert "alembic_version" not in reflect_schema(postgres_url)

    done = invoke(["migrate", "adopt"], database_url=postgres_url)
    again = invoke(["migrate", "adopt"], database_url=postgres_url)

    assert done.exit_code == 0, done.output
    assert "statement(s) run and dceebfc4ff9f stamped." in done.output
    assert again.output == "Nothing to adopt: the database is already at dceebfc4ff9f.\n"


def test_upgrade_says_it_adopted_first_then_goes_on_to_head(sqlite_url: str) -> None:
    create_all(sqlite_url, "listed_info")

    result = invoke(["migrate", "upgrade"], database_url=sqlite_url)

    assert result.exit_code == 0, result.output
    step, adopted, summary = result.output.splitlines()
    assert re.fullmatch(rf"  ↑ {HEAD}  .+  \(\d+\.\d\d s\)", step), step
    assert adopted == (
        "Adopted the legacy database first (listed_info: create_all(); prices: missing; stocks: missing): "
        f"9 statement(s), stamped {INITIAL}."
    )
    assert re.fullmatch(rf"Upgraded \S+ → {HEAD}: 1 revision in \d+\.\d\d s\.", summary), summary
    assert version(sqlite_url) == [HEAD]


def test_unknown_state_exits_15_with_the_differences_in_json(sqlite_url: str) -> None:
    create_all(sqlite_url, "listed_info", "stocks", "prices")
    execute(sqlite_url, "ALTER TABLE stocks ADD COLUMN isin VARCHAR(12)")

    result = invoke(["migrate", "adopt", "--json"], database_url=sqlite_url)

    assert result.exit_code == 15, result.output
    payload = json.loads(result.stdout)
    assert (payload["command"], payload["state"], payload["applied"]) == ("adopt", "unknown", False)
    assert payload["differences"]["stocks"] == {
        "create_all() (revision dceebfc4ff9f without comments)": ["extra column isin VARCHAR(12)"]
    }
    assert "stockdata migrate stamp dceebfc4ff9f --verified-by-hand" in result.stderr


def test_stamp_refuses_unverified_tables_unless_verified_by_hand(sqlite_url: str) -> None:
    create_all(sqlite_url, "listed_info", "stocks", "prices")
    execute(sqlite_url, "ALTER TABLE stocks ADD COLUMN isin VARCHAR(12)")

    refused = invoke(["migrate", "stamp", "head"], database_url=sqlite_url)
    accepted = invoke(["migrate", "stamp", "head", "--verified-by-hand"], database_url=sqlite_url)

    assert refused.exit_code == 15, refused.output
    assert accepted.exit_code == 0, accepted.output
    assert f"Stamped base → {HEAD}." in accepted.output


def test_check_ignores_foreign_tables_and_names_them(sqlite_url: str) -> None:
    assert invoke(["migrate", "upgrade"], database_url=sqlite_url).exit_code == 0
    execute(sqlite_url, "CREATE TABLE old_import_log (id INTEGER PRIMARY KEY)")

    text = invoke(["migrate", "check"], database_url=sqlite_url)
    as_json = invoke(["migrate", "check", "--json"], database_url=sqlite_url)

    assert text.exit_code == 0, text.output
    assert "Note: not modelled by the application, so not compared: old_import_log." in text.output
    assert json.loads(as_json.output)["ignored_tables"] == ["old_import_log"]
