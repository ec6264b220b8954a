"""Autogenerate sees model changes: tested on a modified copy of the metadata, never by editing source files."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Column, Integer, MetaData, String, Table, Text

from app.infrastructure.database import models  # noqa: F401
from app.infrastructure.database.connection import Base
from app.infrastructure.database.migration import upgrade_database
from app.infrastructure.database.migration.setup import build_config
from harness.commands import ALEMBIC
from tests.helpers import run


def changed_metadata() -> MetaData:
    """The models plus a new column, a widened type and a new table."""
    metadata = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        table.to_metadata(metadata)
    metadata.tables["listed_info"].append_column(Column("isin", String(12), comment="ISIN code"))
    metadata.tables["stocks"].c.industry.type = Text()
    Table("dividends", metadata, Column("id", Integer, primary_key=True), Column("ticker_symbol", String(10)))
    return metadata


def test_autogenerate_writes_exactly_the_change_formatted(database_url: str, scripts: Path) -> None:
    asyncio.run(upgrade_database(database_url=database_url, script_location=scripts))
    config = build_config(database_url=database_url, script_location=scripts)
    config.attributes["target_metadata"] = changed_metadata()

    written = command.revision(config, message="add isin", autogenerate=True)

    assert written is not None
    assert not isinstance(written, list)
    text = Path(written.path).read_text()
    assert 'batch_op.add_column(sa.Column("isin", sa.String(length=12), nullable=True, comment="ISIN code"))' in text
    assert "existing_type=sa.VARCHAR(length=100)" in text
    assert "type_=sa.Text()" in text
    assert 'op.create_table(\n        "dividends"' in text
    assert text.count("op.create_table(") == 1
    assert "drop_table" in text.split("def downgrade")[1]
    assert "import sqlalchemy as sa" in text
    formatted = run([ALEMBIC.with_name("ruff"), "format", "--check", "--line-length", "120", written.path])
    assert formatted.returncode == 0, formatted.stdout
    lint = run([ALEMBIC.with_name("ruff"), "check", "--select", "F,E", "--line-length", "120", written.path])
    assert lint.returncode == 0, lint.stdout


def test_check_fails_until_the_new_revision_is_applied(database_url: str, scripts: Path) -> None:
    asyncio.run(upgrade_database(database_url=database_url, script_location=scripts))
    config = build_config(database_url=database_url, script_location=scripts)
    config.attributes["target_metadata"] = changed_metadata()

    with pytest.raises(Exception, match="New upgrade operations detected"):
        command.check(config)
    command.revision(config, message="add isin", autogenerate=True)
    with pytest.raises(Exception, match="Target database is not up to date"):
        command.check(config)
    command.upgrade(config, "head")
    command.check(config)
