"""Alembic environment for stockdata: the URL comes from settings, migrations run on the async drivers.

Online mode uses the connection a caller put in ``config.attributes["connection"]`` (the application migrating
from inside its own event loop), or an async engine put there, or else opens one on an async engine with
``NullPool``. Before running anything online, the guards (production fence, checksums) check what the command will
do, for every caller alike. Offline mode renders SQL for the configured database's dialect without connecting.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import NullPool

from app.infrastructure.database import models  # noqa: F401  (fills Base.metadata with every table)
from app.infrastructure.database.connection import Base, create_engine
from app.infrastructure.database.migration.author.tidying import revision_options
from app.infrastructure.database.migration.inspect.foreign_tables import owned_tables_only
from app.infrastructure.database.migration.run import guards
from app.infrastructure.database.migration.run.environment import (
    command_line_errors,
    configure_logging,
    context_options,
    database_url,
)
from app.infrastructure.database.migration.run.session import alembic_command_session
from app.infrastructure.database.migration.setup import read_revision_files

config = context.config
configure_logging(config)
# A caller may compare against other metadata (tests use a modified copy); the models are the default.
target_metadata = config.attributes.get("target_metadata") or Base.metadata


def run_migrations_offline() -> None:
    """Emit the migrations' SQL for the configured dialect, without a database."""
    context.configure(
        url=database_url(config),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **context_options(config),
        **revision_options(config),
    )
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    """Run the migrations on ``connection``, one transaction per revision."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_name=owned_tables_only(target_metadata.tables, context.script),
        **context_options(config),
        **revision_options(config),
    )
    guards.enforce(context.get_context(), config)
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations(engine: AsyncEngine | None) -> None:
    """Open a connection on ``engine`` (by default a fresh one from the URL) and run the migrations through it.

    ``alembic upgrade``/``downgrade``/``stamp`` hold the migration lock and the migration timeouts meanwhile.
    """
    owned = engine is None
    engine = engine or create_engine(database_url(config), poolclass=NullPool)
    try:
        async with engine.connect() as connection, alembic_command_session(connection, config):
            await connection.run_sync(do_run_migrations)
    finally:
        if owned:
            await engine.dispose()


def run_migrations_online() -> None:
    """Run on the caller's connection (or async engine, as pytest-alembic passes) if given, else on a new engine."""
    connectable: Connection | AsyncEngine | None = config.attributes.get("connection")
    if isinstance(connectable, Connection):
        do_run_migrations(connectable)
    else:
        asyncio.run(run_async_migrations(connectable))


with command_line_errors(config):
    read_revision_files(context.script)  # a broken revision file is one line, before anything runs
    if context.is_offline_mode():
        run_migrations_offline()
    else:
        run_migrations_online()
