"""Every revision, on SQLite and PostgreSQL: up, down, up again, and the models match the schema at head.

pytest-alembic's built-in tests used here: ``test_single_head_revision``, ``test_upgrade`` (base → head),
``test_model_definitions_match_ddl`` (no autogenerate diff at head) and ``test_up_down_consistency`` (every
downgrade runs). The stairway test below adds up → down → up per revision.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_alembic import Config, MigrationContext
from pytest_alembic.tests import (
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import NullPool

from app.infrastructure.database.connection import create_engine
from app.infrastructure.database.migration.setup import ALEMBIC_INI, SCRIPT_LOCATION
from tests.helpers import reflect_schema

__all__ = [
    "test_model_definitions_match_ddl",
    "test_single_head_revision",
    "test_up_down_consistency",
    "test_upgrade",
]


@pytest.fixture
def alembic_config() -> Config:
    """pytest-alembic's configuration: the project's own ``alembic.ini`` and scripts."""
    return Config(config_options={"file": str(ALEMBIC_INI), "script_location": str(SCRIPT_LOCATION)})


@pytest.fixture
def alembic_engine(database_url: str) -> Iterator[AsyncEngine]:
    """pytest-alembic's engine: the application's own async engine on a throwaway database."""
    engine = create_engine(database_url, poolclass=NullPool)
    yield engine
    engine.sync_engine.dispose()


def test_stairway_every_revision_up_down_up(alembic_runner: MigrationContext, database_url: str) -> None:
    for revision in alembic_runner.history.revisions[1:]:
        alembic_runner.migrate_up_to(revision)
        after_up = reflect_schema(database_url)
        alembic_runner.migrate_down_one()
        alembic_runner.migrate_up_one()
        assert reflect_schema(database_url) == after_up, f"revision {revision} does not round-trip"


def test_downgrade_to_base_removes_every_table(alembic_runner: MigrationContext, database_url: str) -> None:
    alembic_runner.migrate_up_to("heads")
    alembic_runner.migrate_down_to("base")

    assert set(reflect_schema(database_url)) == {"alembic_version", "stockdata_migration_history"}
