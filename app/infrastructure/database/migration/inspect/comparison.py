"""How autogenerate compares the database with the models, without false positives."""

from __future__ import annotations

import re
from typing import Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import TextClause

# Spellings of "the current timestamp" that PostgreSQL and SQLite report for equivalent defaults.
_NOW_SPELLINGS = frozenset({"current_timestamp", "now()", "transaction_timestamp()", "localtimestamp"})


def normalize_default(text: str | None) -> str | None:
    """Reduce a server default's SQL to a canonical spelling (parentheses, casts and the case of keywords aside)."""
    if text is None:
        return None
    value = text.strip()
    while value.startswith("(") and value.endswith(")"):
        value = value[1:-1].strip()
    value = re.sub(r"::[a-z ]+(\(\d+\))?$", "", value, flags=re.IGNORECASE)
    if value.lower() in _NOW_SPELLINGS:
        return "current_timestamp"
    # A quoted literal keeps its case: 'JPY' and 'jpy' are different defaults.
    return value if value.startswith("'") else value.lower()


def render_default(server_default: Any, dialect: Dialect) -> str | None:
    """Render a model column's ``server_default`` as SQL text for ``dialect``."""
    if server_default is None:
        return None
    arg = getattr(server_default, "arg", server_default)
    if isinstance(arg, str):
        return f"'{arg}'"
    if isinstance(arg, TextClause):
        return arg.text
    return str(arg.compile(dialect=dialect))


def compare_server_default(
    context: MigrationContext,
    inspected_column: Column[Any],
    metadata_column: Column[Any],
    inspected_default: str | None,
    metadata_default: Any,
    rendered_metadata_default: str | None,
) -> bool | None:
    """Alembic hook: report a difference only when the two defaults are not equivalent.

    ``CURRENT_TIMESTAMP`` and ``now()`` are the same default; anything else falls back to Alembic's own comparison.
    """
    database = normalize_default(inspected_default)
    model = normalize_default(render_default(metadata_column.server_default, context.dialect))
    if database == "current_timestamp" or model == "current_timestamp":
        return database != model
    return None
