"""Reading ``.env`` files the way python-dotenv does, without importing it.

Each binding is ``[export ]KEY[=VALUE]`` with an optional ``# comment``. Values may be unquoted (an inline comment
needs whitespace before its ``#``), ``'single-quoted'`` (``\\'`` and ``\\\\`` escapes) or ``"double-quoted"`` (the
usual backslash escapes, may span lines); ``${NAME}`` and ``${NAME:-default}`` are replaced by earlier values of the
file, else the environment, else the default or nothing. A key without ``=`` has no value; a line that cannot be
read is skipped.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from app.core.errors import ConfigurationError

_SPACES = r"[^\S\r\n]*"
_BINDING = re.compile(
    rf"""
    \s*
    (?:export[^\S\r\n]+)?
    (?:'(?P<quoted_key>[^']+)'|(?P<key>[^=\#\s]+))?
    {_SPACES}
    (?:(?P<equals>={_SPACES})
        (?:'(?P<single>(?:\\.|[^'\\])*)'|"(?P<double>(?:\\.|[^"\\])*)"|(?P<plain>(?!['"])[^\r\n]*)))?
    (?:{_SPACES}\#[^\r\n]*)?
    {_SPACES}(?:\r\n|\n|\r|$)
    """,
    re.VERBOSE | re.DOTALL,
)
_NEWLINE = re.compile(r"\r\n|\n|\r")
_DOUBLE_QUOTE_ESCAPES = re.compile(r"\\[\\'\"abfnrtv]")
_SINGLE_QUOTE_ESCAPES = re.compile(r"\\[\\']")
_ESCAPED = {"\\": "\\", "'": "'", '"': '"', "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_VARIABLE = re.compile(r"\$\{(?P<name>[^}:]*)(?::-(?P<default>[^}]*))?\}")


def _value(binding: re.Match[str]) -> str | None:
    """The value of one binding, unescaped but not yet expanded; None when the key has no ``=``."""
    if binding["equals"] is None:
        return None
    if binding["single"] is not None:
        return _SINGLE_QUOTE_ESCAPES.sub(lambda escape: _ESCAPED[escape[0][1]], binding["single"])
    if binding["double"] is not None:
        return _DOUBLE_QUOTE_ESCAPES.sub(lambda escape: _ESCAPED[escape[0][1]], binding["double"])
    plain = binding["plain"]
    if len(binding["equals"]) > 1 and plain.startswith("#"):  # ``KEY= # comment``: empty, but ``KEY=#x`` is "#x"
        return ""
    return re.sub(r"\s+#.*", "", plain).rstrip()


def _expand(value: str, known: Mapping[str, str | None]) -> str:
    """``value`` with its ``${NAME}`` references replaced; as in python-dotenv a name set to "" stays ""."""
    return _VARIABLE.sub(lambda ref: known.get(ref["name"], ref["default"] or "") or "", value)


def parse_dotenv(text: str) -> dict[str, str | None]:
    """The bindings of a ``.env`` file's ``text``, in order, with ``${…}`` references expanded."""
    values: dict[str, str | None] = {}
    position = 0
    while position < len(text):
        binding = _BINDING.match(text, position)
        if binding is None:  # python-dotenv skips the line too
            newline = _NEWLINE.search(text, position)
            position = newline.end() if newline else len(text)
            continue
        position = binding.end()
        key = binding["quoted_key"] or binding["key"]
        if key is None:  # a comment or blank line
            continue
        value = _value(binding)
        if value is not None:
            value = _expand(value, {**os.environ, **values})
        values[key] = value
    return values


def read_dotenv(path: str | Path) -> dict[str, str]:
    """The keys with a value in the utf-8 ``.env`` file at ``path``; empty when there is no such file.

    Raises ConfigurationError when the file is not utf-8.
    """
    try:
        text = Path(path).expanduser().read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return {}
    except UnicodeDecodeError as exc:
        raise ConfigurationError(f"{path} is not utf-8 (byte {exc.start}); save it as utf-8") from None
    return {key: value for key, value in parse_dotenv(text).items() if value is not None}
