"""Checksums of revision scripts that ignore formatting: what ``ruff format`` may change does not count.

The checksum is the SHA-256 (hex) of a canonical dump of the script's syntax tree (``ast.parse``): each node as
its type name and its fields in order, leaving out source positions, fields that are ``None`` or empty lists,
and the docstrings of the module, classes and functions. Comments, blank lines, quote style, parentheses,
trailing commas and line wrapping are not in the tree, so reformatting (at any line length) or editing comments
and docstrings keeps the checksum; any change to the code itself changes it. The dump is built here rather than
with ``ast.dump``, whose output differs between Python versions.

Building that dump costs about 0.6 ms a revision, paid for every revision a run applies or verifies. So
:func:`file_checksum` keeps what it computed in a cache, ``stockdata/checksums.<python tag>.json`` in the user's
cache folder (``$XDG_CACHE_HOME``, else ``~/.cache``), keyed by the SHA-256 of the file's bytes: a file whose bytes
are unchanged has the checksum computed before, and any edit is a miss. Nothing is cached where that folder cannot
be written.
"""

from __future__ import annotations

import ast
import atexit
import hashlib
import json
import os
import sys
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from json.encoder import encode_basestring
from pathlib import Path

_WITH_DOCSTRING = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


_CACHE_FORMAT = 1
_CACHE_LIMIT = 4096
"""Entries kept; the oldest go first (each edit of a revision adds one)."""


def file_checksum(path: str | Path) -> str:
    """The checksum of the Python file at ``path`` (from the cache when its bytes are unchanged)."""
    raw = Path(path).read_bytes()
    cache = _cache()
    key = hashlib.sha256(raw).hexdigest()
    found = cache.entries.get(key)
    if found is None:
        # Decoded as ``Path.read_text`` would: universal newlines.
        source = raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
        found = cache.entries[key] = source_checksum(source)
        cache.dirty = True
    return found


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


@dataclass
class _Cache:
    """The checksums known, by the SHA-256 of their file's bytes, and the file they are kept in."""

    file: Path
    entries: dict[str, str]
    dirty: bool = False


_loaded: list[_Cache] = []


def cache_file() -> Path:
    """Where the checksums computed are kept between runs."""
    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return folder / "stockdata" / f"checksums.{sys.implementation.cache_tag}.json"


def _cache() -> _Cache:
    if not _loaded:
        file = cache_file()
        _loaded.append(_Cache(file, _read_cache(file)))
    return _loaded[0]


def _read_cache(file: Path) -> dict[str, str]:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # none yet, unreadable or damaged: start afresh
        return {}
    entries = data.get("checksums") if isinstance(data, dict) and data.get("format") == _CACHE_FORMAT else None
    if not isinstance(entries, dict):
        return {}
    return {key: value for key, value in entries.items() if isinstance(key, str) and isinstance(value, str)}


@atexit.register
def save_cache() -> None:
    """Write the cache if it gained checksums (best effort: a folder that cannot be written is skipped)."""
    if not _loaded or not _loaded[0].dirty:
        return
    cache = _loaded[0]
    kept = dict(list(cache.entries.items())[-_CACHE_LIMIT:])
    partial = cache.file.with_name(f"{cache.file.name}.{os.getpid()}.tmp")
    try:
        cache.file.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(json.dumps({"format": _CACHE_FORMAT, "checksums": kept}), encoding="utf-8")
        os.replace(partial, cache.file)  # atomic: a concurrent reader sees the old cache or the new one
    except OSError:
        with suppress(OSError):
            partial.unlink(missing_ok=True)
    cache.dirty = False
