"""The initial revision creates exactly what the models declare, and what the legacy SQL files built."""

from __future__ import annotations

import asyncio
from typing import Any

from app.infrastructure.database.migration import upgrade_database
from harness.legacy import build_legacy_listed_info
from tests.helpers import reflect_schema
from tests.scripts_folder import INITIAL


def without_comment_text(table: dict[str, Any]) -> dict[str, Any]:
    """The table's shape with each comment reduced to whether it is present."""
    return {
        **table,
        "columns": [(*column[:4], bool(column[4])) for column in table["columns"]],
        "comment": bool(table["comment"]),
    }


def test_listed_info_matches_legacy_001_002_003_on_postgres(postgres_url: str, postgres_server: str) -> None:
    from harness.databases import create_postgres_database, drop_postgres_database

    legacy_url = create_postgres_database(postgres_server)
    try:
        build_legacy_listed_info(legacy_url, "003")
        asyncio.run(upgrade_database(INITIAL, database_url=postgres_url))

        legacy = reflect_schema(legacy_url)["listed_info"]
        migrated = reflect_schema(postgres_url)["listed_info"]
    finally:
        drop_postgres_database(postgres_server, legacy_url)

    assert without_comment_text(migrated) == without_comment_text(legacy)
    assert all(column[4] for column in migrated["columns"]), "every column carries a comment"


def test_initial_revision_creates_every_declared_object(database_url: str) -> None:
    asyncio.run(upgrade_database(INITIAL, database_url=database_url))
    schema = reflect_schema(database_url)

    assert schema["listed_info"]["pk"]["constrained_columns"] == ["date", "code"]
    assert [index[0] for index in schema["listed_info"]["indexes"]] == ["idx_listed_info_code", "idx_listed_info_date"]
    assert [index[0] for index in schema["stocks"]["indexes"]] == [
        "ix_stocks_id",
        "ix_stocks_market",
        "ix_stocks_sector",
        "ix_stocks_ticker_symbol",
    ]
    assert [index[0] for index in schema["prices"]["indexes"]] == [
        "ix_prices_id",
        "ix_prices_ticker_symbol",
        "ix_prices_timestamp",
    ]
    assert schema["stocks"]["unique"] == [("uq_stocks_ticker_symbol", ("ticker_symbol",))]
    assert schema["prices"]["unique"] == [("uq_prices_ticker_timestamp", ("ticker_symbol", "timestamp"))]
