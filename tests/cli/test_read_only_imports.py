"""What the read-only commands and ``--help`` import, through the installed script: ``current``, ``status``, ``heads``
and ``history`` read one line of revisions from the files' text and one row or three from the database through the
bare driver (sqlite3 or asyncpg), so they import neither Alembic, SQLAlchemy, the other backend's driver, nor the
wings that run, adopt, write, lint or pre-flight revisions; ``--help`` imports no part of the migration system.
(What this saves is measured in benchmarks/, never here.)"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from harness.commands import STOCKDATA
from tests.helpers import run
from tests.scripts_folder import NOTES, add_notes_revision, project_head

MIGRATION = "app.infrastructure.database.migration"
HEAVY = (
    "alembic",  # its runtime, autogenerate and operations all come with `import alembic`
    "mako",
    "sqlalchemy",  # the rows are read through the bare driver, the URL parsed by app/core/config.py
    "aiosqlite",  # SQLite is read with the standard library's sqlite3
    "pydantic",  # the settings are read by app/core/config.py with the standard library
    "pydantic_settings",
    "dotenv",  # imported only when a .env file exists (there is none here)
    "app.infrastructure.database.models",
    f"{MIGRATION}.adopt",
    f"{MIGRATION}.author",
    f"{MIGRATION}.run",
    f"{MIGRATION}.safe",
    f"{MIGRATION}.guard.preflight",
    f"{MIGRATION}.guard.estimate",
    f"{MIGRATION}.inspect.drift",
    f"{MIGRATION}.inspect.offline",
    f"{MIGRATION}.inspect.ranges",
)


# Runs the console script as its own file, then lists every module loaded by the time it exits: those imported by a
# statement and those loaded by importlib.import_module (lazily loaded commands and safe operations), which
# ``-X importtime`` does not report. A name set to None (Mako's Pygments plugin, kept from loading) is not a module.
_LISTING = "MODULES LOADED:"
_RUN_AND_LIST = (
    "import atexit, runpy, sys\n"
    "def listing(): return ' '.join(name for name, module in sys.modules.items() if module)\n"
    f"atexit.register(lambda: print({_LISTING!r}, listing(), file=sys.stderr))\n"
    "sys.argv = sys.argv[1:]\n"
    "runpy.run_path(sys.argv[0], run_name='__main__')\n"
)


def imported(*args: str, env: dict[str, str]) -> tuple[set[str], str]:
    """The modules ``stockdata ARGS`` loaded, and what it printed on stdout."""
    completed = run([sys.executable, "-c", _RUN_AND_LIST, STOCKDATA, *args], env=env)
    assert completed.returncode == 0, completed.stderr[-2000:]
    listing = next(line for line in completed.stderr.splitlines() if line.startswith(_LISTING))
    return set(listing.removeprefix(_LISTING).split()), completed.stdout


def heavy(modules: set[str]) -> list[str]:
    """The modules of ``modules`` that belong to HEAVY."""
    return sorted(name for name in modules if any(name == root or name.startswith(f"{root}.") for root in HEAVY))


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        ("current", f"{project_head()}: 1 revision pending"),
        ("status", f"[ ]  {NOTES}"),
        ("heads", NOTES),
        ("history", NOTES),
    ],
)
def test_the_read_only_commands_import_neither_alembic_nor_the_heavy_wings(
    command: str, shown: str, database_url: str, scripts: Path
) -> None:
    env = {"DATABASE_URL": database_url, "MIGRATION_SCRIPT_LOCATION": str(add_notes_revision(scripts))}
    upgraded = run([STOCKDATA, "migrate", "upgrade", project_head(), "-q"], env=env)
    assert upgraded.returncode == 0, upgraded.stderr

    modules, stdout = imported("migrate", command, env=env)

    assert f"{MIGRATION}.reading" in modules  # the command did go through the API
    assert heavy(modules) == []
    if database_url.startswith("sqlite"):
        assert "asyncpg" not in modules
    assert shown in stdout


@pytest.mark.parametrize("args", [("--help",), ("migrate", "--help"), ("migrate", "status", "--help")])
def test_help_imports_no_part_of_the_migration_system(args: tuple[str, ...]) -> None:
    modules, stdout = imported(*args, env={})

    assert "Usage: stockdata" in stdout
    assert sorted(name for name in modules if name.startswith(("app.infrastructure", "sqlalchemy", "asyncio"))) == []
