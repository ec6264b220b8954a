"""Alembic environment for stockdata: the URL comes from settings, migrations run on the async drivers.

Online mode uses the connection a caller put in ``config.attributes["connection"]`` (the application migrating
from inside its own event loop), or an async engine put there (a pooled one through a ``NullPool`` engine of its
URL), or else opens one on an async engine with ``NullPool``. Before running anything online, the guards
(production fence, checksums, the data pre-flight) check what the command will do, for every caller alike. Offline
mode renders SQL for the configured database's dialect without connecting. Plain ``alembic`` follows
``MIGRATION_SCRIPT_LOCATION`` like the API.
"""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from app.infrastructure.database.connection import Base
from app.infrastructure.database.migration.run import guards
from app.infrastructure.database.migration.run.environment import (
    command_line_errors,
    compares,
    configure_logging,
    context_options,
    database_url,
    follow_script_location,
    migration_engine,
)
from app.infrastructure.database.migration.run.session import alembic_command_session
from app.infrastructure.database.migration.setup import read_revision_files

config = context.config
configure_logging(config)
follow_script_location(config, context.script)


def comparing_options() -> dict[str, Any]:
    """What autogenerate and ``check`` compare the database with and how: the models, the tables to include, what
    counts as a difference, the rewrites of generated revisions. A run that applies, undoes or stamps revisions gets
    only the metadata's naming convention (which names the constraints its revisions leave unnamed), and so imports
    neither the models nor the comparison."""
    # A caller may compare against other metadata (tests use a modified copy); the models are the default.
    if not compares(config):
        return {"target_metadata": config.attributes.get("target_metadata") or Base.metadata}
    from app.infrastructure.database import models  # noqa: F401  (fills Base.metadata with every table)
    from app.infrastructure.database.migration.author.tidying import revision_options
    from app.infrastructure.database.migration.inspect.comparison import comparison_options
    from app.infrastructure.database.migration.inspect.foreign_tables import owned_tables_only

    target_metadata = config.attributes.get("target_metadata") or Base.metadata
    return {
        "target_metadata": target_metadata,
        "include_name": owned_tables_only(target_metadata.tables, context.script),
        **comparison_options(),
        **revision_options(config),
    }


def run_migrations_offline() -> None:
    """Emit the migrations' SQL for the configured dialect, without a database."""
    context.configure(
        url=database_url(config),
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **context_options(config),
        **comparing_options(),
    )
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    """Run the migrations on ``connection``, one transaction per revision."""
    context.configure(connection=connection, **context_options(config), **comparing_options())
    guards.enforce(context.get_context(), config)
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations(engine: AsyncEngine | None) -> None:
    """Open a connection on ``engine`` (by default a fresh one from the URL) and run the migrations through it.

    ``alembic upgrade``/``downgrade``/``stamp`` hold the migration lock and the migration timeouts meanwhile.
    """
    async with (
        migration_engine(config, engine) as migrating,
        migrating.connect() as connection,
        alembic_command_session(connection, config),
    ):
        await connection.run_sync(do_run_migrations)


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
