"""The self-check of a revision file: it imports, ruff finds no error in it, and both functions render offline.

``revision`` formats the file it writes with ruff and checks it (:func:`check_written`); ``lint`` runs the same
checks as findings (:func:`ruff_problems`, :func:`render_problems`). ruff is the one beside the running interpreter
(the project's virtualenv), else the one on ``PATH``; without either, the file is written unformatted and the ruff
part of the check is skipped, which the notes say.

The ruff check selects only errors that break the file, never style: syntax errors (``E9``), comparisons that
cannot work (``F63``), statements in the wrong place (``F7``) and undefined names (``F82``) — the set flake8 users
know as "stop the build". ``--isolated`` keeps a project's ``ignore`` settings from hiding any of them.

Rendering runs ``upgrade()`` and ``downgrade()`` offline for PostgreSQL and SQLite (:mod:`..inspect.offline`), so
a name, an import or a type that one dialect cannot compile fails here rather than in the middle of a deployment.
What only a database can answer (SQLite batch operations that reflect their table, rows read through
``op.get_bind()``) is not a failure, nor is an irreversible revision's ``raise NotImplementedError``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from alembic.util import load_python_file

from app.infrastructure.database.migration.errors import RevisionFileError
from app.infrastructure.database.migration.inspect.offline import run_offline
from app.infrastructure.database.migration.setup import import_failure

RUFF_ERRORS = "E9,F63,F7,F82"
FORMAT = (
    ("check", "--fix", "--quiet", "--select", "F401,I", "--line-length", "120"),
    ("format", "--quiet", "--line-length", "120"),
)
"""What ``revision`` runs on the file it wrote: drop the template's unused imports, sort them, format."""
DIALECTS = ("postgresql", "sqlite")
_BACKGROUND = re.compile(r" \(Background on this error at: \S+\)")
"""SQLAlchemy's link to its error catalogue, which a one-line message can do without."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a revision file, at a line of it."""

    path: Path
    line: int
    rule: str
    """``ruff`` or ``render-failed`` (the names ``lint`` reports them under)."""
    message: str


def find_ruff() -> Path | None:
    """ruff beside the running interpreter, else on ``PATH``; ``None`` when neither has it."""
    beside = Path(sys.executable).with_name("ruff")
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("ruff")
    return Path(found) if found else None


def ruff_missing(consequence: str) -> str:
    """The note saying that ruff was not found, and what was therefore not done."""
    beside = Path(sys.executable).parent
    return f"ruff is not installed (neither in {beside} nor on PATH), so {consequence}; `make setup` installs it"


def check_written(path: Path, on_note: Callable[[str], None]) -> None:
    """Format the revision file just written at ``path`` with ruff, then self-check it; ``on_note`` hears what not.

    Raises RevisionFileError naming the first problem's line; the file is kept for editing either way.
    """
    ruff = find_ruff()
    if ruff is None:
        on_note(ruff_missing("the file was written unformatted and checked without ruff"))
    else:
        for arguments in FORMAT:
            subprocess.run([str(ruff), *arguments, str(path)], capture_output=True, check=False)
    module = import_revision(path)
    problems = [*(ruff_problems([path], ruff) if ruff is not None else []), *render_problems(path, module)]
    if problems:
        first = min(problems, key=lambda problem: problem.line)
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise RevisionFileError(
            f"revision file {path} fails its self-check at line {first.line}: {first.message}{more}; the file is "
            f"kept: fix it (`stockdata migrate lint {module.revision}` lists every problem) or delete it"
        )


def import_revision(path: Path) -> ModuleType:
    """Import the revision file at ``path``; raises RevisionFileError naming the line that fails."""
    try:
        return load_python_file(str(path.parent), path.name)
    except Exception as exc:
        error = import_failure(exc, [path.parent])
        if error is None:
            raise
        raise error from exc


def ruff_problems(paths: Sequence[Path], ruff: Path) -> list[Problem]:
    """ruff's errors (:data:`RUFF_ERRORS`) in the files at ``paths``, in one run."""
    if not paths:
        return []
    arguments = ["check", "--isolated", "--no-fix", "--output-format", "json", "--select", RUFF_ERRORS]
    completed = subprocess.run([str(ruff), *arguments, *map(str, paths)], capture_output=True, text=True, check=False)
    by_name = {str(path.resolve()): path for path in paths}
    return [
        Problem(
            by_name.get(str(Path(found["filename"]).resolve()), Path(found["filename"])),
            found["location"]["row"],
            "ruff",
            f"{found['code']} {found['message']}",
        )
        for found in json.loads(completed.stdout or "[]")
    ]


def render_problems(path: Path, module: ModuleType) -> list[Problem]:
    """``upgrade()`` and ``downgrade()`` of ``module`` (the file at ``path``) failing offline, for each dialect."""
    problems = []
    for function in ("upgrade", "downgrade"):
        for dialect in DIALECTS:
            run = run_offline(module, function, dialect=dialect)
            if run.failure is not None and run.broken:
                failure = _BACKGROUND.sub("", " ".join(run.failure.sql.split()))
                message = f"{function}() does not render for {dialect}: {failure}"
                problems.append(Problem(path, run.failure.line, "render-failed", message))
    return problems
