"""Where a safe operation runs: which database, online or offline, and the step outside the revision's transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from alembic import op
from sqlalchemy import text

from app.infrastructure.database.migration.setup import PLAIN_FORMS


def on_postgresql() -> bool:
    """Whether to take PostgreSQL's safe form: the revision runs against PostgreSQL (online or rendering its SQL),
    and is not being read for the plain operations it stands for (:data:`~..setup.PLAIN_FORMS`, the pre-flight)."""
    context = op.get_context()
    return bool(context.dialect.name == "postgresql" and not context.opts.get(PLAIN_FORMS))


def online() -> bool:
    """Whether the revision runs on a database (not rendering SQL): catalogs can be read, rows counted."""
    return not op.get_context().as_sql


def quote(name: str) -> str:
    """``name`` quoted as an identifier where it needs to be."""
    return str(op.get_context().dialect.identifier_preparer.quote(name))


def qualified(table: str, schema: str | None) -> str:
    """``schema.table``, quoted."""
    return f"{quote(schema)}.{quote(table)}" if schema else quote(table)


def fetch(sql: str, **params: Any) -> list[Any]:
    """Every row of ``sql`` on the revision's connection (online only)."""
    return list(op.get_bind().execute(text(sql), params).all())


@contextmanager
def own_transactions() -> Iterator[None]:
    """Run the block outside the revision's transaction, each statement committing by itself.

    Alembic's ``autocommit_block()`` commits what the revision did so far and opens a new transaction afterwards,
    where the rest of the revision and its version row (and history row) are written. The migration lock is a
    session-level advisory lock and the migration timeouts are session settings, so both still hold inside.
    """
    with op.get_context().autocommit_block():
        yield
