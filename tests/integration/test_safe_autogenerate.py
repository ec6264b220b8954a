"""Autogenerate writes the safe forms for tables that exist and the plain forms for new ones; lint knows them."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Column, ForeignKeyConstraint, Index, Integer, MetaData, Numeric, String, Table

from app.core.config import get_settings
from app.infrastructure.database import models  # noqa: F401
from app.infrastructure.database.connection import Base
from app.infrastructure.database.migration import lint_migrations, upgrade_database
from app.infrastructure.database.migration.setup import build_config


def big_table_changes() -> MetaData:
    """The models plus, on the existing ``prices``: an index, a foreign key, ``adjusted_close`` as an exact numeric
    (a type change that rewrites the table); NOT NULL on ``stocks.sector``; and a new table with an index."""
    metadata = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        table.to_metadata(metadata)
    prices = metadata.tables["prices"]
    prices.c.adjusted_close.type = Numeric(18, 4)
    Index("ix_prices_close", prices.c.close)
    prices.append_constraint(ForeignKeyConstraint(["ticker_symbol"], ["stocks.ticker_symbol"]))
    metadata.tables["stocks"].c.sector.nullable = False
    Table("dividends", metadata, Column("id", Integer, primary_key=True), Column("code", String(10), index=True))
    return metadata


@pytest.fixture
def plain_forms(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("MIGRATION_SAFE_FORMS", "false")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def generate(database_url: str, scripts: Path) -> tuple[Path, str]:
    asyncio.run(upgrade_database(database_url=database_url, script_location=scripts))
    config = build_config(database_url=database_url, script_location=scripts)
    config.attributes["target_metadata"] = big_table_changes()
    written = command.revision(config, message="big table changes", autogenerate=True)
    assert written is not None
    assert not isinstance(written, list)
    path = Path(written.path)
    return path, path.read_text().split("def downgrade")[0]


def test_autogenerate_writes_the_safe_forms_for_existing_tables_and_they_run(database_url: str, scripts: Path) -> None:
    path, upgrade = generate(database_url, scripts)

    assert "from app.infrastructure.database.migration import safe" in upgrade
    assert 'safe.create_index("ix_prices_close", "prices", ["close"], unique=False)' in upgrade
    assert 'safe.create_foreign_key(\n        op.f("fk_prices_ticker_symbol_stocks"), "prices", "stocks"' in upgrade
    changed = r'safe\.alter_column_type\(\s*"prices",\s*"adjusted_close",\s*sa\.Numeric\(precision=18, scale=4\),'
    assert re.search(changed, upgrade), upgrade
    assert 'safe.set_not_null("stocks", "sector")' in upgrade
    assert 'batch_op.create_index(batch_op.f("ix_dividends_code"), ["code"], unique=False)' in upgrade, "new table"
    assert 'batch_alter_table("prices"' not in upgrade, "nothing plain is left on prices"

    model = build_config(database_url=database_url, script_location=scripts)
    asyncio.run(upgrade_database(database_url=database_url, script_location=scripts))
    model.attributes["target_metadata"] = big_table_changes()
    command.check(model)  # the safe forms built what the models say, on SQLite (plain fallbacks) and PostgreSQL
    assert path.exists()


def test_the_switch_keeps_the_plain_forms(sqlite_url: str, scripts: Path, plain_forms: None) -> None:
    _path, upgrade = generate(sqlite_url, scripts)

    assert "safe." not in upgrade
    assert 'batch_op.create_index("ix_prices_close", ["close"], unique=False)' in upgrade


def test_lint_passes_the_safe_forms_and_fails_the_plain_ones(
    sqlite_url: str, scripts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, _upgrade = generate(sqlite_url, scripts)
    revision = path.name.split("-")[1].split("_")[0]

    safe_report = asyncio.run(lint_migrations([revision], script_location=scripts))
    monkeypatch.setenv("MIGRATION_SAFE_FORMS", "false")
    get_settings.cache_clear()
    path.unlink()
    plain_path, _upgrade = generate(sqlite_url, scripts)
    plain_revision = plain_path.name.split("-")[1].split("_")[0]
    plain_report = asyncio.run(lint_migrations([plain_revision], script_location=scripts))
    get_settings.cache_clear()

    assert [(finding.rule, finding.severity) for finding in safe_report.findings] == []
    plain_rules = {finding.rule for finding in plain_report.errors}
    assert {"require-concurrent-index-creation", "constraint-missing-not-valid", "changing-column-type"} <= plain_rules
