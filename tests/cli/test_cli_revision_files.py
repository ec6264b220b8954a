"""Revision files through the installed console scripts: a broken one is one line (exit 20) from every command,
``revision`` keeps a file that fails its self-check, and without ruff both ``stockdata migrate revision`` and plain
``alembic revision`` still write the file, saying so in a note."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from app import PROJECT_ROOT
from harness.commands import ALEMBIC, STOCKDATA
from tests.cli.invocation import Outcome, assert_fails, assert_fails_verbose, database_state, in_process
from tests.helpers import run
from tests.scripts_folder import line_of, project_revision_count, written_file

BROKEN = '"""Broken."""\n\nrevision = "cccc1111"\ndown_revision = None\n\n\ndef upgrade(:\n    pass\n'
"""A revision file with a syntax error on line 7."""
COMMANDS = [
    ("status",),
    ("current",),
    ("upgrade",),
    ("downgrade", "--yes", "base"),
    ("stamp", "head"),
    ("check",),
    ("verify",),
    ("sql", "head"),
    ("history",),
    ("heads",),
    ("lint", "--all"),
    ("revision", "--empty", "-m", "next"),
]
RUFF_MISSING = "ruff is not installed (neither in {bin} nor on PATH), so the file was written unformatted"


def console(*args: str, env: dict[str, str], python: Path | None = None) -> Outcome:
    """Run ``stockdata migrate ARGS`` as the installed script (by ``python`` if given) from a scratch folder."""
    command = [*([python] if python else []), STOCKDATA, "migrate", *args]
    completed = run(list(command), env=env, cwd=Path(env["MIGRATION_SCRIPT_LOCATION"]).parent)
    return Outcome(completed.returncode, completed.stdout, completed.stderr)


def test_a_broken_revision_file_is_one_line_from_every_command(database_url: str, scripts: Path) -> None:
    env = {"MIGRATION_SCRIPT_LOCATION": str(scripts), "DATABASE_URL": database_url}
    assert console("upgrade", "-q", env=env).exit_code == 0
    broken = scripts / "versions" / "cccc1111_broken.py"
    broken.write_text(BROKEN)
    before = database_state(database_url)

    for command in COMMANDS:  # in-process: the same code as the console script, in a fraction of the time
        assert_fails(in_process(list(command), env), 20, f"revision file {broken} does not import (line 7: SyntaxError")
    for command in (("upgrade",), ("revision", "--empty", "-m", "next")):
        assert_fails(console(*command, env=env), 20, f"revision file {broken} does not import (line 7: SyntaxError")
    assert_fails_verbose(console("status", "-v", env=env), 20, f"revision file {broken} does not import (line 7")
    assert database_state(database_url) == before
    assert (
        len(list((scripts / "versions").glob("*.py"))) == project_revision_count() + 1
    )  # `revision` wrote nothing on top


def test_plain_alembic_reports_a_broken_revision_file_in_one_line(database_url: str, scripts: Path) -> None:
    (scripts / "versions" / "cccc1111_broken.py").write_text(BROKEN)

    for command in (["upgrade", "head"], ["downgrade", "base"]):
        failed = run([ALEMBIC, "-c", scripts / "alembic.ini", *command], database_url=database_url)
        assert failed.returncode != 0
        assert "Traceback" not in failed.stdout + failed.stderr
        assert f"FAILED: revision file {scripts}/versions/cccc1111_broken.py does not import (line 7" in failed.stdout


def test_revision_exits_20_and_keeps_a_file_that_fails_its_self_check(scripts: Path, tmp_path: Path) -> None:
    template = scripts / "script.py.mako"
    template.write_text(
        template.read_text().replace("def downgrade", "def helper() -> None:\n    undefined()\n\n\ndef downgrade")
    )
    env = {"MIGRATION_SCRIPT_LOCATION": str(scripts), "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}

    failed = console("revision", "--empty", "-m", "helper", env=env)

    kept = written_file(scripts)
    assert_fails(failed, 20, f"revision file {kept} fails its self-check at line {line_of(kept, 'undefined()')}: F821")
    assert "the file is kept" in failed.stderr


def test_revision_escapes_quotes_in_the_message(scripts: Path, tmp_path: Path) -> None:
    env = {"MIGRATION_SCRIPT_LOCATION": str(scripts), "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}

    written = console("revision", "--empty", "-m", 'he said """hi"""', env=env)
    history = console("history", env=env)

    assert written.exit_code == 0, written.output
    assert 'he said """hi"""' in history.stdout, history.output


@pytest.fixture
def ruffless(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """An interpreter that cannot find ruff, and its environment.

    The base interpreter (not the virtualenv's) is linked alone into a folder, so nothing is beside it; it sees the
    virtualenv's packages except ruff's through ``PYTHONPATH``, and ``PATH`` holds only that folder and the system's.
    """
    folder = tmp_path / "bin"
    folder.mkdir()
    python = folder / "python"
    python.symlink_to(Path(sys.executable).resolve())
    site = tmp_path / "site"
    site.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if not entry.name.startswith("ruff"):
            (site / entry.name).symlink_to(entry)
    env = {"PATH": f"{folder}{os.pathsep}/usr/bin{os.pathsep}/bin", "PYTHONPATH": f"{site}{os.pathsep}{PROJECT_ROOT}"}
    probe = "import importlib.util, shutil, sys; print(importlib.util.find_spec('ruff'), shutil.which('ruff'))"
    found = subprocess.run([python, "-c", probe], env={**os.environ, **env}, capture_output=True, text=True)
    assert found.stdout.split() == ["None", "None"], found.stderr
    assert [path.name for path in folder.iterdir()] == ["python"]
    return python, env


def test_without_ruff_revision_writes_the_file_unformatted_and_says_so(
    ruffless: tuple[Path, dict[str, str]], scripts: Path, tmp_path: Path
) -> None:
    python, env = ruffless
    env |= {"MIGRATION_SCRIPT_LOCATION": str(scripts), "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}

    written = console("revision", "--empty", "-m", "no ruff", env=env, python=python)

    assert written.exit_code == 0, written.output
    assert f"Note: {RUFF_MISSING.format(bin=python.parent)} and checked without ruff" in written.stdout
    assert "import sqlalchemy as sa" in written_file(scripts).read_text()  # ruff would have dropped it, unused


def test_without_ruff_the_self_check_still_renders_both_dialects(
    ruffless: tuple[Path, dict[str, str]], scripts: Path, tmp_path: Path
) -> None:
    python, env = ruffless
    env |= {"MIGRATION_SCRIPT_LOCATION": str(scripts), "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    template = scripts / "script.py.mako"
    array = '    op.add_column("stocks", sa.Column("tags", sa.ARRAY(sa.Integer())))\n\n\ndef downgrade'
    template.write_text(template.read_text().replace("\n\ndef downgrade", array, 1))

    failed = console("revision", "--empty", "-m", "array", env=env, python=python)

    assert_fails(failed, 20, "fails its self-check", "upgrade() does not render for sqlite")
    assert RUFF_MISSING.format(bin=python.parent) in failed.stdout


def test_without_ruff_plain_alembic_revision_writes_the_file_and_says_so(
    ruffless: tuple[Path, dict[str, str]], scripts: Path
) -> None:
    python, env = ruffless

    written = run([python, ALEMBIC, "-c", scripts / "alembic.ini", "revision", "-m", "no ruff"], env=env)

    assert written.returncode == 0, written.stdout + written.stderr
    assert f"Note: {RUFF_MISSING.format(bin=python.parent)}" in written.stdout
    assert "Traceback" not in written.stdout + written.stderr
    assert "import sqlalchemy as sa" in written_file(scripts).read_text()
