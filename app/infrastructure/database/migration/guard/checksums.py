"""Checksums of revision scripts that ignore formatting: what ``ruff format`` may change does not count.

The checksum is the SHA-256 (hex) of a canonical dump of the script's syntax tree (``ast.parse``): each node as
its type name and its fields in order, leaving out source positions, fields that are ``None`` or empty lists,
and the docstrings of the module, classes and functions. Comments, blank lines, quote style, parentheses,
trailing commas and line wrapping are not in the tree, so reformatting (at any line length) or editing comments
and docstrings keeps the checksum; any change to the code itself changes it. The dump is built here rather than
with ``ast.dump``, whose output differs between Python versions.
"""

from __future__ import annotations

import ast
import hashlib
import json
from pathlib import Path

_WITH_DOCSTRING = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def file_checksum(path: str | Path) -> str:
    """The checksum of the Python file at ``path``."""
    return source_checksum(Path(path).read_text(encoding="utf-8"))


def source_checksum(source: str) -> str:
    """The checksum of Python ``source``."""
    tree = ast.parse(source)
    canonical = json.dumps(_canonical(tree), separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _canonical(node: object) -> object:
    if isinstance(node, ast.AST):
        body = getattr(node, "body", None)
        fields = []
        for name, value in ast.iter_fields(node):
            if name == "body" and isinstance(node, _WITH_DOCSTRING) and body and _is_docstring(body[0]):
                value = body[1:]
            if value is None or value == []:
                continue
            fields.append([name, _canonical(value)])
        return [type(node).__name__, fields]
    if isinstance(node, list):
        return [_canonical(item) for item in node]
    return repr(node)


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )
