"""stockdata's own tables beside ``alembic_version``, and the hook that hides them from autogenerate and drift.

They live in their own ``MetaData`` (never ``Base.metadata``): they are created on first use by the migration
system, not by a revision, so the models never declare them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, DateTime, Float, MetaData, String, Table

from app.infrastructure.database.connection import NAMING_CONVENTION

# The models' naming convention, so that the primary keys have the same names on SQLite and PostgreSQL.
metadata = MetaData(naming_convention=NAMING_CONVENTION)

HISTORY = Table(
    "stockdata_migration_history",
    metadata,
    Column("revision", String(255), primary_key=True),
    Column("checksum", String(64), nullable=False),
    Column("method", String(16), nullable=False),
    Column("applied_at", DateTime(), nullable=True),
    Column("recorded_at", DateTime(), nullable=False),
    Column("seconds", Float(), nullable=True),
    Column("app_version", String(64), nullable=False),
    Column("host", String(255), nullable=False),
)
"""One row per applied revision: the checksum of its script and who applied it when (times in UTC)."""

ENVIRONMENT = Table(
    "stockdata_environment",
    metadata,
    Column("environment", String(32), primary_key=True),
    Column("marked_at", DateTime(), nullable=False),
    Column("app_version", String(64), nullable=False),
    Column("host", String(255), nullable=False),
)
"""At most one row: what kind of database this is (``production`` turns on the production fence)."""

TABLE_NAMES = frozenset(metadata.tables)


def include_name(name: str | None, type_: str, _parent_names: Any) -> bool:
    """Alembic ``include_name`` hook: leave the bookkeeping tables out of autogenerate and drift checks."""
    return not (type_ == "table" and name in TABLE_NAMES)
