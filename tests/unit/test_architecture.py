"""The house plan holds: imports between the migration system's wings flow one way, and layers never look up."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from app import PROJECT_ROOT

MIGRATION = PROJECT_ROOT / "app" / "infrastructure" / "database" / "migration"
PACKAGE = "app.infrastructure.database.migration"
FACADE = {"__init__", "reading"}
"""The public API: the verbs that change the database, and the read-only ones; they may import every wing."""
BASE = {"errors", "results", "setup", "connection", "bookkeeping"}
"""The floor every wing stands on; it imports no wing."""
MAY_IMPORT = {
    "run": {"guard", "adopt", "inspect", "safe"},
    "adopt": {"guard", "inspect"},
    "guard": {"inspect"},
    "author": {"inspect", "safe"},
    "inspect": set(),
    "safe": set(),
}
"""For each wing, the wings below it."""


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def _wings_imported(path: Path) -> set[str]:
    prefix = PACKAGE + "."
    return {
        name[len(prefix) :].split(".")[0]
        for name in _imported_modules(path)
        if name.startswith(prefix) and name[len(prefix) :].split(".")[0] in MAY_IMPORT
    }


def test_the_wings_are_the_folders() -> None:
    folders = {path.name for path in MIGRATION.iterdir() if path.is_dir() and path.name != "__pycache__"}
    modules = {path.stem for path in MIGRATION.glob("*.py")}
    assert folders == set(MAY_IMPORT)
    assert modules == FACADE | BASE


@pytest.mark.parametrize("wing", sorted(MAY_IMPORT))
def test_a_wing_imports_only_wings_below_it(wing: str) -> None:
    for path in sorted((MIGRATION / wing).glob("*.py")):
        upward = _wings_imported(path) - MAY_IMPORT[wing] - {wing}
        assert not upward, f"{path.relative_to(PROJECT_ROOT)} imports {sorted(upward)}, above or beside {wing}/"


def test_the_floor_imports_no_wing() -> None:
    for name in sorted(BASE):
        path = MIGRATION / f"{name}.py"
        assert not _wings_imported(path), f"{path.relative_to(PROJECT_ROOT)} imports a wing"


def test_layers_never_look_up() -> None:
    upward = ("app.infrastructure", "app.presentation", "sqlalchemy")  # what the domain must not know
    for path in sorted((PROJECT_ROOT / "app").rglob("*.py")):
        imported = _imported_modules(path)
        where = path.relative_to(PROJECT_ROOT).as_posix()
        if where.startswith("app/infrastructure/"):
            assert not any(name.startswith("app.presentation") for name in imported), where
        if where.startswith("app/domain/"):
            assert not any(name.startswith(upward) for name in imported), where


def test_benchmarks_and_tests_do_not_import_each_other() -> None:
    for path in sorted((PROJECT_ROOT / "benchmarks").rglob("*.py")):
        assert not any(name.split(".")[0] == "tests" for name in _imported_modules(path)), path
    for path in sorted((PROJECT_ROOT / "tests").rglob("*.py")):
        assert not any(name.split(".")[0] == "benchmarks" for name in _imported_modules(path)), path
