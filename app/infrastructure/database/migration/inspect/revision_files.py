"""The revision graph read from the revision files' text, without importing them (nor Alembic): the read-only
commands' fast path.

It answers only for a plain history: one line of revisions, each file at its top level only importing, assigning
(Alembic's ``revision``, ``down_revision``, ``branch_labels`` and ``depends_on`` as literals) and defining
functions, and alembic.ini not moving the versions folder. Anything else (branches, merges, labels, dependencies, a
file that does not parse, computed ids, a statement such as a call or a ``raise``) returns ``None``, and the caller
asks Alembic, which imports the files and reports what is wrong with them exactly as every other command does. The
files are not run: an import or an assignment that would fail is for the commands that run or check revisions.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from configparser import ConfigParser
from dataclasses import dataclass, replace
from pathlib import Path

from app.infrastructure.database.migration.results import RevisionInfo

# Alembic's own pattern for a revision file (Script._from_path, without `sourceless`).
_REVISION_FILE = re.compile(r"(?!\.\#|__init__)(.*\.py)$")
# Options of alembic.ini that change which files hold the revisions; with any of them, Alembic reads the folder.
_MOVING_OPTIONS = ("version_locations", "sourceless", "recursive_version_locations")
_PLAIN_ID = re.compile(r"\w+")
_ATTRIBUTES = frozenset({"revision", "down_revision", "branch_labels", "depends_on"})


@dataclass(frozen=True)
class PlainHistory:
    """A history in one line: its revisions, oldest first."""

    revisions: tuple[RevisionInfo, ...]

    @property
    def heads(self) -> tuple[str, ...]:
        """The head (none for an empty folder)."""
        return tuple(info.revision for info in self.revisions[-1:])

    def applied(self, current: Sequence[str]) -> tuple[RevisionInfo, ...] | None:
        """The revisions marked applied for a database at ``current``; ``None`` unless ``current`` is one known
        revision or none (anything else is for Alembic's graph to judge and explain)."""
        ids = [info.revision for info in self.revisions]
        if len(current) > 1 or (current and current[0] not in ids):
            return None
        reached = ids.index(current[0]) if current else -1
        return tuple(replace(info, applied=index <= reached) for index, info in enumerate(self.revisions))


def read_plain_history(scripts: Path, alembic_ini: Path) -> PlainHistory | None:
    """The history of the revision files under ``scripts``/versions, or ``None`` when it is not plain."""
    folder = scripts / "versions"
    if _moves_versions(alembic_ini) or not folder.is_dir():
        return None
    found: dict[str, tuple[str | None, str]] = {}
    for path in sorted(entry for entry in folder.iterdir() if entry.is_file() and _REVISION_FILE.match(entry.name)):
        read = _read_file(path)
        if read is None or read[0] in found:
            return None
        revision, down_revision, doc = read
        found[revision] = (down_revision, doc)
    return _as_line(found)


def _moves_versions(alembic_ini: Path) -> bool:
    parser = ConfigParser(interpolation=None)
    parser.read(alembic_ini, encoding="utf-8")
    return parser.has_section("alembic") and any(parser.has_option("alembic", name) for name in _MOVING_OPTIONS)


def _read_file(path: Path) -> tuple[str, str | None, str] | None:
    """``(revision, down_revision, docstring)`` of a plain revision file, else ``None``."""
    try:
        module = ast.parse(path.read_bytes(), filename=str(path))
    except (SyntaxError, ValueError):
        return None
    values: dict[str, object] = {}
    for statement in module.body:
        if _is_constant(statement) or isinstance(statement, ast.Import | ast.ImportFrom):
            continue
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef) and _runs_nothing(statement):
            continue
        assigned = _assignment(statement)
        if assigned is None or assigned[0] in values:
            return None
        values[assigned[0]] = assigned[1]
    revision, down_revision = values.get("revision"), values.get("down_revision", ...)
    if not isinstance(revision, str) or not _PLAIN_ID.fullmatch(revision):
        return None
    if not (down_revision is None or (isinstance(down_revision, str) and _PLAIN_ID.fullmatch(down_revision))):
        return None
    if values.get("branch_labels") is not None or values.get("depends_on") is not None:
        return None
    return revision, down_revision, ast.get_docstring(module, clean=False) or ""


def _is_constant(statement: ast.stmt) -> bool:
    # The docstring, or a string documenting the assignment above it.
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)


def _runs_nothing(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    # Decorators and default values run on import; a body does not.
    return not function.decorator_list and not function.args.defaults and not any(function.args.kw_defaults)


def _assignment(statement: ast.stmt) -> tuple[str, object] | None:
    """``(name, value)`` of ``name = <value>`` or ``name: T = <value>``, else ``None``; the value of one of
    Alembic's attributes must be a literal (else ``None``), any other is not evaluated (``...``)."""
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target, value = statement.targets[0], statement.value
    elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
        target, value = statement.target, statement.value
    else:
        return None
    if not isinstance(target, ast.Name):
        return None
    if target.id not in _ATTRIBUTES:
        return target.id, ...
    try:
        return target.id, ast.literal_eval(value)
    except (ValueError, TypeError, SyntaxError, RecursionError):  # not a literal (or an unhashable key)
        return None


def _as_line(found: dict[str, tuple[str | None, str]]) -> PlainHistory | None:
    """The revisions in order from the base, when they form one line covering every file; else ``None``."""
    child: dict[str | None, str] = {}
    for revision, (down_revision, _doc) in found.items():
        if down_revision in child or (down_revision is not None and down_revision not in found):
            return None
        child[down_revision] = revision
    line: list[RevisionInfo] = []
    below: str | None = None
    while below in child and len(line) < len(found):
        revision = child[below]
        doc = found[revision][1]
        line.append(RevisionInfo(revision, (below,) if below else (), message(doc), create_date(doc), False))
        below = revision
    if len(line) != len(found):
        return None
    return PlainHistory(tuple(line[:-1]) + tuple(replace(info, is_head=True) for info in line[-1:]))


def message(doc: str | None) -> str:
    """A revision's message: the first paragraph of its file's docstring, as Alembic's ``Script.doc`` reads it."""
    return re.split("\n\n", (doc or "").strip())[0]


def create_date(doc: str | None) -> str | None:
    """The ``Create Date:`` line of a revision file's docstring, if it has one."""
    for line in (doc or "").splitlines():
        if line.startswith("Create Date:"):
            return line.removeprefix("Create Date:").strip()
    return None
