"""Declarative ``Base`` with a naming convention, and async engine / session factories.

Engines are never created at import time: :func:`get_engine` builds the application's engine from settings on
first use, and :func:`create_engine` builds one for any URL (the migration system uses it with ``NullPool``).
"""

from __future__ import annotations

import uuid
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, Integer, MetaData, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import ConnectionPoolEntry

from app.core.config import get_settings, normalize_database_url
from app.infrastructure.database.direct import execute_direct

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "%(table_name)s_pkey",
}
"""Deterministic names for every constraint and index; primary keys are named as PostgreSQL names them."""

BIG_INTEGER = BigInteger().with_variant(Integer(), "sqlite")
"""64-bit integers, for ids and counts: BIGINT on PostgreSQL, INTEGER on SQLite, which holds 64 bits already and is
the only type that makes a primary key the rowid (generated without AUTOINCREMENT)."""


class Base(DeclarativeBase):
    """Declarative base of every model; ``Base.metadata`` is the target of autogenerate."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def create_engine(url: str, *, transaction_pooler: bool = False, **kwargs: Any) -> AsyncEngine:
    """Create an async engine for ``url`` (any accepted form), ready for this application's databases.

    For SQLite the file's folder is created when missing, foreign keys are enforced, and SQLAlchemy rather than
    the driver issues ``BEGIN``, so that DDL runs inside real transactions. With ``transaction_pooler`` a
    PostgreSQL engine works through a transaction pooler (PgBouncer's ``pool_mode = transaction``).
    """
    normalized = make_url(normalize_database_url(url, source="the database URL"))
    if transaction_pooler and normalized.get_backend_name() == "postgresql":
        kwargs["connect_args"] = {**_TRANSACTION_POOLER_CONNECT_ARGS, **kwargs.get("connect_args", {})}
    if normalized.get_backend_name() == "sqlite":
        database = normalized.database or ""
        if database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(normalized, **kwargs)
    if normalized.get_backend_name() == "sqlite":
        _make_sqlite_transactional(engine)
    return engine


def _unique_statement_name() -> str:
    return f"__asyncpg_{uuid.uuid4().hex}__"


# Behind a transaction pooler consecutive transactions of one connection run on different server sessions, which
# share their prepared statements with other clients: caching statements (asyncpg's own cache and SQLAlchemy's)
# finds them missing ("prepared statement ... does not exist"), and asyncpg's numbered names collide with another
# client's ("... already exists"). No cache and a unique name per statement avoid both (SQLAlchemy's asyncpg notes).
_TRANSACTION_POOLER_CONNECT_ARGS: dict[str, Any] = {
    "statement_cache_size": 0,
    "prepared_statement_cache_size": 0,
    "prepared_statement_name_func": _unique_statement_name,
}


def _make_sqlite_transactional(engine: AsyncEngine) -> None:
    # The sqlite3 module opens transactions only before DML and commits before DDL on its own; taking BEGIN
    # over (as SQLAlchemy's SQLite documentation describes) makes every statement, DDL included, transactional.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        execute_direct(connection, "BEGIN")


@lru_cache
def get_engine() -> AsyncEngine:
    """Return the application's engine, created from settings on first call."""
    settings = get_settings()
    return create_engine(
        settings.database_url,
        echo=settings.database_echo,
        transaction_pooler=settings.database_pooler == "transaction",
    )


@lru_cache
def get_session_factory() -> async_sessionmaker[AsyncSession]:
    """Return the application's session factory, bound to :func:`get_engine`."""
    return async_sessionmaker(get_engine(), expire_on_commit=False)
