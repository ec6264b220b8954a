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
from collections.abc import Callable
from json.encoder import encode_basestring
from pathlib import Path

_WITH_DOCSTRING = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def file_checksum(path: str | Path) -> str:
    """The checksum of the Python file at ``path``."""
    return source_checksum(Path(path).read_text(encoding="utf-8"))


def source_checksum(source: str) -> str:
    """The checksum of Python ``source``."""
    parts: list[str] = []
    _dump(ast.parse(source), parts.append)
    return hashlib.sha256("".join(parts).encode("utf-8")).hexdigest()


def _dump(node: object, write: Callable[[str], object]) -> None:
    # Writes what ``json.dumps(canonical, separators=(",", ":"), ensure_ascii=False)`` would for the canonical form
    # ``[type name, [[field, value], ...]]``, in one pass and without building that form: checksums recorded by
    # earlier versions must stay valid, and every revision of a run is checksummed.
    if isinstance(node, ast.AST):
        write(f'["{type(node).__name__}",[')
        separator = ""
        for name in node._fields:
            value = getattr(node, name, None)
            if name == "body" and isinstance(node, _WITH_DOCSTRING) and value and _is_docstring(value[0]):
                value = value[1:]
            if value is None or value == []:
                continue
            write(f'{separator}["{name}",')
            separator = ","
            _dump(value, write)
            write("]")
        write("]]")
    elif isinstance(node, list):
        write("[")
        for index, item in enumerate(node):
            if index:
                write(",")
            _dump(item, write)
        write("]")
    else:
        write(encode_basestring(repr(node)))


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )
