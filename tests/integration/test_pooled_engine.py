"""pytest-alembic's four default tests with its documented async set-up: a default (pooled) ``AsyncEngine``.

pytest-alembic runs every step in an event loop of its own; env.py must not let a pooled connection outlive one,
and must leave the caller's engine usable afterwards.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from pytest_alembic import Config
from pytest_alembic.tests import (
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from app.core.config import normalize_database_url
from app.infrastructure.database.migration.setup import ALEMBIC_INI, SCRIPT_LOCATION

__all__ = [
    "test_model_definitions_match_ddl",
    "test_single_head_revision",
    "test_up_down_consistency",
    "test_upgrade",
]


@pytest.fixture
def alembic_config() -> Config:
    """The project's own ``alembic.ini`` and scripts."""
    return Config(config_options={"file": str(ALEMBIC_INI), "script_location": str(SCRIPT_LOCATION)})


@pytest.fixture
def alembic_engine(database_url: str) -> Iterator[AsyncEngine]:
    """As pytest-alembic documents it: ``create_async_engine(url)``, with SQLAlchemy's default pool."""
    engine = create_async_engine(normalize_database_url(database_url))
    assert not isinstance(engine.pool, NullPool)
    yield engine
    # Still the caller's: env.py neither disposed it nor left a connection of a closed loop in its pool.
    assert asyncio.run(_select_one(engine)) == 1
    asyncio.run(engine.dispose())


async def _select_one(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(text("SELECT 1"))).scalar_one())
