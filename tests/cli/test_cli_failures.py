"""Every failure the issue lists ends with one clear line, its documented exit code, no traceback (one with -v) and
the database unchanged — in-process and as the console script."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from app.infrastructure.database.migration import setup, show_history
from harness.queries import execute, scalar
from tests.cli.invocation import Migrate, assert_fails, database_state, fails, in_process, upgraded
from tests.scripts_folder import BRANCHES, add_branches, project_head, write_revision

HEAD = project_head()
HISTORY = asyncio.run(show_history())


def test_unreachable_server_names_host_and_port_and_masks_the_password(migrate: Migrate) -> None:
    url = "postgresql://stock:s3cret@127.0.0.1:1/stockdata"

    fails(
        migrate,
        "status",
        "--database-url",
        url,
        code=4,
        fragments=(
            "cannot connect to PostgreSQL database 'stockdata' at 127.0.0.1:1: ",
            "(postgresql+asyncpg://stock:***@127.0.0.1:1/stockdata)",
            "that the server is running",
        ),
    )


def test_missing_database_is_named_and_not_created(migrate: Migrate, password_server: str) -> None:
    name = f"stockdata_missing_{uuid.uuid4().hex[:8]}"
    server = make_url(password_server)  # a server that checks the password, so that one is in the URL to mask
    url = server.set(database=name).render_as_string(hide_password=False)

    fails(
        migrate,
        "upgrade",
        "--database-url",
        url,
        code=4,
        fragments=(
            f"cannot connect to PostgreSQL database '{name}' at {server.host}:{server.port or 5432}: ",
            f'database "{name}" does not exist',
            ":***@",
        ),
    )
    assert scalar(password_server, f"SELECT count(*) FROM pg_database WHERE datname = '{name}'") == 0


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("a-file/stockdata.db", "File exists"),  # its folder cannot be created: a file has that name
        ("garbage.db", "file is not a database"),
        ("a-folder", "it is a folder, not a database file"),
    ],
)
def test_sqlite_file_that_cannot_be_opened(migrate: Migrate, tmp_path: Path, name: str, fragment: str) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    (tmp_path / "garbage.db").write_bytes(b"\x00not sqlite\xff" * 100)
    (tmp_path / "a-folder").mkdir()
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir() if path.is_file()}

    outcome = migrate("upgrade", "--database-url", f"sqlite:///{tmp_path / name}")

    assert_fails(outcome, 4, f"cannot connect to SQLite file {tmp_path / name}: ", fragment, "writable")
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir() if path.is_file()} == before


@pytest.mark.parametrize(
    ("url", "fragments"),
    [
        ("not a url", ("--database-url is not a valid database URL (<unparseable URL>)", "sqlite:///path/to/file.db")),
        ("mysql://stock:s3cret@db/stockdata", ("unsupported scheme 'mysql' (mysql://stock:***@db/stockdata)",)),
        ("postgresql://stock:s3cret@db:port/stockdata", ("--database-url is not a valid database URL",)),
        ("postgresql://stock:s3cret@db", ("--database-url names no database (postgresql://stock:***@db)",)),
        ("sqlite://", ("--database-url names no SQLite file",)),
        ("postgresql://stock:s3cret@db:99999/stockdata", ("--database-url has the port 99999, outside 1-65535",)),
        (
            "postgresql://stock:s3cret@127.0.0.1:1/stockdata?sslmode=require",
            ("has an option the driver does not accept", "'sslmode'", "ssl=require", "stock:***@"),
        ),
    ],
)
def test_bad_database_url_option(migrate: Migrate, url: str, fragments: tuple[str, ...]) -> None:
    fails(migrate, "current", "--database-url", url, code=3, fragments=fragments)


def test_bad_database_url_setting_names_the_variable(migrate: Migrate) -> None:
    outcome = migrate("status", env={"DATABASE_URL": "mysql://stock:s3cret@db/stockdata"})

    assert_fails(outcome, 3, "DATABASE_URL uses the unsupported scheme 'mysql' (mysql://stock:***@db/stockdata)")


def test_unknown_revision_changes_nothing(migrate: Migrate, database_url: str) -> None:
    upgraded(migrate, database_url)
    before = database_state(database_url)

    fails(
        migrate,
        "upgrade",
        "fedcba987654",
        "--database-url",
        database_url,
        code=5,
        fragments=("unknown revision 'fedcba987654'; `stockdata migrate history` lists the revisions",),
    )
    assert_fails(migrate("downgrade", "fedcba987654", "--yes", "--database-url", database_url), 5, "'fedcba987654'")
    assert_fails(migrate("stamp", "fedcba987654", "--database-url", database_url), 5, "'fedcba987654'")
    assert_fails(migrate("upgrade", " ", "--database-url", database_url), 5, "no revision given")
    assert_fails(
        migrate("downgrade", f"-{len(HISTORY) + 1}", "--yes", "--database-url", database_url),
        5,
        f"'-{len(HISTORY) + 1}' goes past the first or the last revision",
    )
    assert database_state(database_url) == before


def test_database_ahead_of_the_code_is_refused_by_every_command(migrate: Migrate, database_url: str) -> None:
    upgraded(migrate, database_url)
    execute(database_url, "UPDATE alembic_version SET version_num = 'fedcba987654'")
    before = database_state(database_url)
    message = "the database is at revision fedcba987654, which this code does not have: the database is ahead"

    fails(migrate, "upgrade", "--database-url", database_url, code=5, fragments=(message, "deploy the newer code"))
    for command in (["downgrade", "--yes"], ["current"], ["status"], ["check"], ["stamp", "head"]):
        assert_fails(migrate(*command, "--database-url", database_url), 5, message)
    assert database_state(database_url) == before


def test_ambiguous_prefix_and_multiple_heads(
    migrate: Migrate, database_url: str, scripts: Path, scripts_env: dict[str, str]
) -> None:
    add_branches(scripts)
    upgraded(migrate, database_url, HEAD, env=scripts_env)
    before = database_state(database_url)
    several = f"the migration scripts have several heads ({', '.join(BRANCHES)}); merge them with `alembic merge heads"

    fails(
        migrate,
        "upgrade",
        "aaaa",
        "--database-url",
        database_url,
        env=scripts_env,
        code=6,
        fragments=("Multiple revisions start with 'aaaa'", "give more characters of the revision id"),
    )
    fails(migrate, "upgrade", "--database-url", database_url, env=scripts_env, code=7, fragments=(several,))
    assert_fails(migrate("stamp", "aaaa", "--database-url", database_url, env=scripts_env), 6, "start with 'aaaa'")
    assert_fails(migrate("check", "--database-url", database_url, env=scripts_env), 7, several)
    assert_fails(migrate("sql", f"{HEAD}:head", env=scripts_env), 7, several)
    assert database_state(database_url) == before


def test_downgrade_one_step_from_several_heads_is_ambiguous(
    migrate: Migrate, database_url: str, scripts: Path, scripts_env: dict[str, str]
) -> None:
    add_branches(scripts)
    upgraded(migrate, database_url, "heads", env=scripts_env)
    before = database_state(database_url)

    outcome = migrate("downgrade", "--yes", "--database-url", database_url, env=scripts_env)

    assert_fails(outcome, 7, f"the database is at several heads ({', '.join(BRANCHES)}), so -1 is ambiguous")
    assert database_state(database_url) == before


def test_scripts_folder_missing(migrate: Migrate, sqlite_url: str, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"

    fails(
        migrate,
        "upgrade",
        "--database-url",
        sqlite_url,
        env={"MIGRATION_SCRIPT_LOCATION": str(missing)},
        code=8,
        fragments=(f"migration scripts not found: {missing}/env.py is missing; restore the folder",),
    )
    assert_fails(migrate("history", env={"MIGRATION_SCRIPT_LOCATION": str(missing)}), 8, f"{missing}/env.py")
    assert not Path(sqlite_url.removeprefix("sqlite+aiosqlite:///")).exists()


def test_alembic_ini_missing(monkeypatch: pytest.MonkeyPatch, sqlite_url: str, tmp_path: Path) -> None:
    monkeypatch.setattr(setup, "ALEMBIC_INI", tmp_path / "alembic.ini")

    outcome = in_process(["upgrade", "--database-url", sqlite_url], None)

    assert_fails(outcome, 8, f"alembic.ini not found at {tmp_path / 'alembic.ini'}; run stockdata from a full checkout")
    assert not Path(sqlite_url.removeprefix("sqlite+aiosqlite:///")).exists()


@pytest.mark.parametrize(
    ("revision_range", "fragment"),
    [
        ("a:b:c", "'a:b:c' is not a revision range; expected [FROM:]TO"),
        ("head:", "'head:' is not a revision range"),
        ("-1", "offline SQL cannot count the relative step '-1' without a database"),
        (f"{HEAD}:+1", "relative step '+1'"),
        (":".join(BRANCHES), f"{BRANCHES[0]} and {BRANCHES[1]} are on different branches"),
    ],
)
def test_sql_bad_ranges_are_usage_errors(
    migrate: Migrate, scripts: Path, scripts_env: dict[str, str], revision_range: str, fragment: str
) -> None:
    add_branches(scripts)

    outcome = migrate("sql", "--", revision_range, env=scripts_env)

    assert_fails(outcome, 2, fragment)


def test_failing_revision_is_rolled_back_alone(
    migrate: Migrate, database_url: str, scripts: Path, scripts_env: dict[str, str]
) -> None:
    failing = 'op.execute("UPDATE no_such_table SET x = 1")'
    write_revision(scripts, "bbbb0001", down_revision=HEAD, upgrade=failing, message="Test revision bbbb0001")

    fails(
        migrate,
        "upgrade",
        "--database-url",
        database_url,
        env=scripts_env,
        code=1,
        fragments=(
            "revision bbbb0001 (Test revision bbbb0001) failed and was rolled back: ",
            "no_such_table",
            "Statement: UPDATE no_such_table SET x = 1. Fix the revision and run the command again.",
        ),
    )
    assert scalar(database_url, "SELECT version_num FROM alembic_version") == HEAD
