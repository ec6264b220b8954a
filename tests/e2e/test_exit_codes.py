"""Every exit code in the table of ``errors.py`` is produced, by the error it names, through the installed script.

Each case provokes its failure for real with ``stockdata migrate … -v`` on a SQLite file and a throwaway scripts
folder: the exit code must be the table's, the ``-v`` traceback must end in the table's error class, and the
``Error: …`` line must follow it. The completeness check fails when a code of the table has no case here.
"""

from __future__ import annotations

import fcntl
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import pytest

from app import PROJECT_ROOT
from app.infrastructure.database.migration import errors
from harness.commands import STOCKDATA
from harness.databases import open_transaction
from harness.queries import execute
from tests.cli.invocation import TRACEBACK
from tests.helpers import run
from tests.legacy import create_all
from tests.scripts_folder import (
    INITIAL,
    add_branches,
    add_notes_revision,
    copy_scripts,
    project_head,
    revision_file,
    write_revision,
)

HEAD = project_head()
TABLE = {int(code): name for code, name in re.findall(r"^(\d+)\s{2,}(\w+)", errors.__doc__ or "", flags=re.MULTILINE)}
"""Exit code → the error class the table of ``errors.py`` names for it."""

PROVOKED_ELSEWHERE = {
    21: "tests/e2e/test_downgrade_races.py::"
    "test_a_confirmed_downgrade_refuses_when_another_process_downgraded_before_the_answer",
    22: "tests/e2e/test_broken_inputs.py::test_a_read_only_database_refuses_a_write_in_one_line",
    23: "tests/e2e/test_broken_inputs.py::test_a_connection_lost_during_a_revision_says_to_run_again",
    25: "tests/integration/test_pgbouncer.py::test_a_migration_url_through_a_transaction_pooler_is_refused",
    26: "tests/integration/test_safe_forms.py::test_a_type_change_on_a_big_table_refuses_when_the_column_is_indexed",
}
"""Codes whose scene a SQLite file cannot set (a race on a terminal, a user without write permission, PostgreSQL,
PgBouncer): the named test provokes each, through the installed script except 26 (the API), and must exist."""


@dataclass
class Scene:
    """A SQLite database and a scripts folder of a test's own, and the command line that provokes the failure."""

    url: str
    scripts: Path
    workdir: Path

    def stockdata(self, *args: str, **env: str) -> tuple[int, str]:
        """Run ``stockdata migrate ARGS`` (``-v`` added after the command's name) without a terminal."""
        command, *rest = args
        environment = {"DATABASE_URL": self.url, "MIGRATION_SCRIPT_LOCATION": str(self.scripts), **env}
        done = run([STOCKDATA, "migrate", command, "-v", *rest], env=environment, cwd=self.workdir, input="")
        return done.returncode, done.stderr

    def prepared(self, *args: str) -> None:
        """Run a command that must succeed, to set the scene."""
        code, stderr = self.stockdata(*args)
        assert code == 0, stderr


def _failing_revision(scene: Scene) -> None:
    write_revision(scene.scripts, "bbbb0001", down_revision=HEAD, upgrade='op.execute("UPDATE nope SET x = 1")')


def _at_head(scene: Scene) -> None:
    scene.prepared("upgrade")


def _two_heads(scene: Scene) -> None:
    add_branches(scene.scripts)  # two revisions on the head whose ids start with "aaaa"


def _drifted(scene: Scene) -> None:
    scene.prepared("upgrade")
    execute(scene.url, "ALTER TABLE stocks ADD COLUMN isin VARCHAR(12)")


@contextmanager
def _migration_lock_held(scene: Scene) -> Iterator[None]:
    # What another migrator holds on SQLite: an exclusive flock on the lock file beside the database.
    with open(scene.url.removeprefix("sqlite:///") + ".migration-lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _one_revision_to_go(scene: Scene) -> None:
    add_notes_revision(scene.scripts)  # NOTES alters stocks, which the reader below keeps locked
    scene.prepared("upgrade", HEAD)


def _reader_on_stocks(scene: Scene) -> AbstractContextManager[None]:
    return open_transaction(scene.url, "SELECT count(*) FROM stocks")


def _unknown_legacy_tables(scene: Scene) -> None:
    create_all(scene.url, "listed_info", "stocks", "prices")
    execute(scene.url, "ALTER TABLE stocks ADD COLUMN isin VARCHAR(12)")


def _applied_revision_edited(scene: Scene) -> None:
    scene.prepared("upgrade")
    with revision_file(scene.scripts, INITIAL).open("a") as script:
        script.write("\nEDITED = True\n")


def _production_at_head(scene: Scene) -> None:
    scene.prepared("upgrade")
    scene.prepared("mark-environment", "production")


def _dangerous_revision(scene: Scene) -> None:
    index = 'op.create_index("ix_listed_info_company_name", "listed_info", ["company_name"])'
    write_revision(scene.scripts, "a1b2c3d4e5f6", down_revision=HEAD, upgrade=index)


def _empty_database(scene: Scene) -> None:
    Path(scene.url.removeprefix("sqlite:///")).touch()  # read-only commands refuse a file that does not exist


def _populated_table_dropped(scene: Scene) -> None:
    scene.prepared("upgrade")
    execute(
        scene.url, "INSERT INTO stocks (ticker_symbol, company_name, market) VALUES ('7203', 'トヨタ自動車', 'TSE')"
    )
    write_revision(scene.scripts, "dddd0001", down_revision=HEAD, upgrade='op.drop_table("stocks")')


def _broken_revision_file(scene: Scene) -> None:
    scene.prepared("upgrade")
    write_revision(scene.scripts, "dddd0002", down_revision=HEAD, upgrade="return (")


def _corrupt_version_table(scene: Scene) -> None:
    scene.prepared("upgrade")
    execute(scene.url, "INSERT INTO alembic_version (version_num) VALUES ('')")


def _nothing(scene: Scene) -> None:
    """A fresh database and the project's scripts are scene enough."""


def _holding_nothing(scene: Scene) -> AbstractContextManager[None]:
    return nullcontext()


@dataclass(frozen=True)
class Case:
    """How to provoke one exit code: set the scene, hold something while the command runs, run ``args``."""

    args: tuple[str, ...]
    setup: Callable[[Scene], object] = _nothing
    hold: Callable[[Scene], AbstractContextManager[None]] = _holding_nothing
    env: tuple[tuple[str, str], ...] = ()


CASES = {
    1: Case(("upgrade",), _failing_revision),
    2: Case(("sql", "--", "a:b:c")),
    3: Case(("current", "--database-url", "mysql://stock:s3cret@db/stockdata")),
    4: Case(("current", "--database-url", "postgresql://stock@127.0.0.1:1/stockdata")),
    5: Case(("upgrade", "fedcba987654")),
    6: Case(("stamp", "aaaa"), _two_heads),
    7: Case(("upgrade",), _two_heads),
    8: Case(("upgrade",), env=(("MIGRATION_SCRIPT_LOCATION", "/nonexistent/scripts"),)),
    9: Case(("check",), _empty_database),
    10: Case(("check",), _drifted),
    11: Case(("revision", "-m", "nothing changed"), _at_head),
    12: Case(("downgrade",), _at_head),  # no terminal to ask, and no --yes
    13: Case(("upgrade",), hold=_migration_lock_held, env=(("MIGRATION_LOCK_TIMEOUT", "0"),)),
    14: Case(
        ("upgrade",),
        _one_revision_to_go,
        hold=_reader_on_stocks,
        env=(("MIGRATION_DDL_LOCK_TIMEOUT", "0.5"), ("MIGRATION_DDL_LOCK_RETRIES", "0")),
    ),
    15: Case(("adopt",), _unknown_legacy_tables),
    16: Case(("verify",), _applied_revision_edited),
    17: Case(("downgrade", "--yes"), _production_at_head),
    18: Case(("lint", "a1b2c3d4e5f6"), _dangerous_revision),
    19: Case(("upgrade",), _populated_table_dropped),
    20: Case(("status",), _broken_revision_file),
    24: Case(("current",), _corrupt_version_table),
}


@pytest.mark.parametrize("code", sorted(CASES), ids=[f"{code}-{TABLE.get(code)}" for code in sorted(CASES)])
def test_each_documented_exit_code_is_produced_by_its_error(code: int, tmp_path: Path) -> None:
    case = CASES[code]
    scene = Scene(f"sqlite:///{tmp_path / 'stockdata.db'}", copy_scripts(tmp_path), tmp_path)
    case.setup(scene)

    with case.hold(scene):
        exit_code, stderr = scene.stockdata(*case.args, **dict(case.env))

    assert exit_code == code, stderr
    assert TRACEBACK in stderr
    assert re.search(rf"^[\w.]*\b{TABLE[code]}: ", stderr, flags=re.MULTILINE), (TABLE[code], stderr)
    # One "Error: …" line after the traceback (exit 15's message goes on with one difference per line).
    assert re.search(r"^Error: ", stderr.rsplit(TRACEBACK, 1)[1], flags=re.MULTILINE), stderr


def test_every_code_of_the_table_has_a_case() -> None:
    assert set(TABLE) == set(range(1, max(TABLE) + 1)), "the table of errors.py skips a code"
    assert not set(CASES) & set(PROVOKED_ELSEWHERE), "a code is provoked here and elsewhere"
    assert set(TABLE) - set(PROVOKED_ELSEWHERE) == set(CASES), "add a case for each new code of the table"
    for test in PROVOKED_ELSEWHERE.values():
        path, name = test.split("::")
        assert f"def {name}(" in (PROJECT_ROOT / path).read_text(), f"{test} no longer exists"
