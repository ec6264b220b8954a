"""What lint knows of the safe forms: the lines of a revision that call them, and the findings they make moot.

A safe form (:mod:`app.infrastructure.database.migration.safe`) emits, on purpose, statements squawk warns about
in general: steps outside a transaction (each one safe to rerun, since the safe form checks the catalogs first),
the drop of its own temporary check, trigger and function, the drop and rename of expand/contract's swap. Those
findings, on the lines of a safe form's call, are dropped; every other rule still applies there.
"""

from __future__ import annotations

import ast
from pathlib import Path

SAFE_MODULE = "app.infrastructure.database.migration.safe"
SAFE_FORM_RULES = frozenset(
    {
        "prefer-robust-stmts",
        "ban-drop-constraint",
        "ban-drop-column",
        "ban-drop-function",
        "renaming-column",
        "execute-without-downgrade",
    }
)
"""The rules each safe form breaks by design (and makes safe), as listed in the module's docstring."""


def safe_form_lines(path: str) -> set[int]:
    """The lines of the file's calls to a safe form (``safe.create_index(…)`` or an imported function)."""
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    modules: set[str] = set()
    functions: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == SAFE_MODULE.rpartition(".")[0]:
            modules.update(alias.asname or alias.name for alias in node.names if alias.name == "safe")
        elif isinstance(node, ast.ImportFrom) and node.module == SAFE_MODULE:
            functions.update(alias.asname or alias.name for alias in node.names)
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _calls(node.func, modules, functions):
            lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return lines


def _calls(function: ast.expr, modules: set[str], functions: set[str]) -> bool:
    if isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name):
        return function.value.id in modules
    return isinstance(function, ast.Name) and function.id in functions
