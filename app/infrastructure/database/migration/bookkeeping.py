"""stockdata's own tables beside ``alembic_version``: the migration history and the environment mark.

They live in their own ``MetaData`` (never ``Base.metadata``): the migration system creates them on first use,
not a revision, so the models never declare them, autogenerate and ``check`` leave them alone (they compare
modelled tables only), and they are not listed as foreign tables.
"""

from __future__ import annotations

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
