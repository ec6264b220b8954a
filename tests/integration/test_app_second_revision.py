"""The application's second revision (63d881e7b4dc) on a database full of rows, both backends.

It turns every timestamp into one WITH TIME ZONE, the ids and ``prices.volume`` into 64-bit integers, and drops
three indexes that duplicate keys. On rows written at the initial revision the upgrade refuses nothing and keeps
every row, every timestamp the same instant (naive values read as UTC, even on a server whose TimeZone is not);
64-bit values are accepted afterwards; ``check`` is clean; the downgrade is refused by the pre-flight while a value
no longer fits on PostgreSQL, and works once it is gone (SQLite's INTEGER holds 64 bits: nothing to refuse there).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import MetaData, Table, select
from sqlalchemy.engine import Connection

from app.infrastructure.database.migration import downgrade_database, upgrade_database
from app.infrastructure.database.migration.errors import DataLossRefusedError
from app.infrastructure.database.migration.reading import check_database
from app.infrastructure.database.migration.setup import target_metadata
from harness.queries import execute, on_connection, scalar, version
from tests import legacy_models
from tests.helpers import invoke, snapshot
from tests.legacy import drift_from_initial_models
from tests.scripts_folder import project_head

INITIAL = legacy_models.INITIAL_REVISION
SECOND = "63d881e7b4dc"
ORDER = {"listed_info": ("date", "code"), "stocks": ("id",), "prices": ("id",)}
BIG_VOLUME = 2**40
BIG_ID = 2**31 + 10
NEXT_PRICE = (
    "INSERT INTO prices (ticker_symbol, timestamp, open, high, low, close, volume) "
    "VALUES ('7200', '2030-01-01 00:00:00', 1, 1, 1, 1, 1)"
)

Rows = dict[str, list[tuple[Any, ...]]]


def _japanese(length: int, seed: int) -> str:
    """``length`` characters of Japanese text (three bytes each in UTF-8), different for each ``seed``."""
    text = f"株式会社日本取引所グループ第{seed}号東証プライム上場企業"
    return (text * (length // len(text) + 1))[:length]


def _at(seed: int) -> dt.datetime:
    """A naive timestamp with microseconds, spread over years (and across midnight in Tokyo)."""
    return dt.datetime(2019, 12, 31, 20, 30, 15, 123456) + dt.timedelta(days=seed * 37, hours=seed, microseconds=seed)


def _rows() -> dict[str, list[dict[str, Any]]]:
    listed_info = [
        {
            "date": dt.date(2024, 1, 4) + dt.timedelta(days=i // 40),
            "code": f"{1300 + i % 40:04d}0",
            "company_name": _japanese(255, i),
            "company_name_english": None if i % 3 == 0 else f"Company {i}".ljust(255, "x"),
            "sector_17_code": str(i % 17),
            "sector_17_code_name": _japanese(255, i + 1),
            "sector_33_code": None if i % 5 == 0 else str(i % 33),
            "sector_33_code_name": None if i % 5 == 0 else _japanese(255, i + 2),
            "scale_category": "TOPIX Small 1",
            "market_code": "0111",
            "market_code_name": "プライム",
            "margin_code": str(i % 3),
            "margin_code_name": _japanese(50, i),
            "created_at": _at(i),
            "updated_at": _at(i + 1),
        }
        for i in range(120)
    ]
    stocks = [
        {
            "ticker_symbol": f"{7200 + i}",
            "company_name": _japanese(255, i),
            "market": "東証プライム",
            "sector": None if i % 4 == 0 else _japanese(100, i),
            "industry": None,
            "market_cap": None if i % 6 == 0 else 1.5e12 + i,
            "description": _japanese(1000, i),
            "created_at": _at(i),
            "updated_at": _at(i + 2),
        }
        for i in range(40)
    ]
    prices = [
        {
            "ticker_symbol": f"{7200 + i % 40}",
            "timestamp": _at(i),
            "open": 1000.5 + i,
            "high": 1010.25 + i,
            "low": 990.0 + i,
            "close": 1005.75 + i,
            "volume": 2**31 - 1 - i,
            "adjusted_close": None if i % 7 == 0 else 1005.0 + i,
            "created_at": _at(i + 3),
        }
        for i in range(400)
    ]
    return {"listed_info": listed_info, "stocks": stocks, "prices": prices}


def _read(metadata: MetaData) -> Callable[[Connection], Rows]:
    def read(connection: Connection) -> Rows:
        result: Rows = {}
        for name, key in ORDER.items():
            table: Table = metadata.tables[name]
            query = select(table).order_by(*(table.c[column] for column in key))
            result[name] = [tuple(_as_utc(value) for value in row) for row in connection.execute(query)]
        return result

    return read


def _as_utc(value: Any) -> Any:
    """An aware datetime as the naive UTC wall-clock time of the same instant; anything else unchanged."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _fill(connection: Connection) -> None:
    for name, table_rows in _rows().items():
        connection.execute(legacy_models.metadata.tables[name].insert(), table_rows)
    connection.commit()


@pytest.fixture
def full(database_url: str) -> tuple[str, Rows]:
    """A database at the initial revision full of rows, and those rows; PostgreSQL's TimeZone is Asia/Tokyo."""
    return _full(database_url)


def _full(database_url: str) -> tuple[str, Rows]:
    if database_url.startswith("postgresql"):
        # Not UTC on purpose: the naive values must be read as UTC whatever the server's setting is.
        execute(
            database_url,
            f"ALTER DATABASE {scalar(database_url, 'SELECT current_database()')} SET timezone = 'Asia/Tokyo'",
        )
    asyncio.run(upgrade_database(INITIAL, database_url=database_url))
    on_connection(database_url, _fill)
    return database_url, on_connection(database_url, _read(legacy_models.metadata))


def test_the_second_revision_is_the_project_head() -> None:
    assert project_head() == SECOND


def test_the_frozen_initial_models_match_the_initial_revision(database_url: str) -> None:
    asyncio.run(upgrade_database(INITIAL, database_url=database_url))

    assert drift_from_initial_models(database_url) == []


def test_upgrade_keeps_every_row_and_instant_then_takes_64_bit_values(full: tuple[str, Rows]) -> None:
    url, before = full

    result = asyncio.run(upgrade_database(database_url=url))

    assert [step.revision for step in result.steps] == [SECOND]
    assert version(url) == [SECOND]
    assert on_connection(url, _read(target_metadata())) == before
    assert {name: len(table_rows) for name, table_rows in before.items()} == {
        "listed_info": 120,
        "stocks": 40,
        "prices": 400,
    }
    check = asyncio.run(check_database(database_url=url))
    assert check.differences == ()
    assert check.status.is_up_to_date
    _insert_64_bit_price(url)
    assert scalar(url, f"SELECT volume FROM prices WHERE id = {BIG_ID}") == BIG_VOLUME


def test_postgresql_refuses_the_downgrade_while_a_64_bit_value_exists_and_does_it_once_it_is_gone(
    postgres_url: str,
) -> None:
    url, before = _full(postgres_url)
    asyncio.run(upgrade_database(database_url=url))
    _insert_64_bit_price(url)
    held = snapshot(url)

    with pytest.raises(DataLossRefusedError) as refused:
        asyncio.run(downgrade_database(INITIAL, database_url=url))
    cli = invoke(["migrate", "downgrade", "--yes", INITIAL], database_url=url)

    assert "narrows prices.volume BIGINT → INTEGER (1 out-of-range value, e.g. id=2147483658)" in str(refused.value)
    assert "narrows prices.id BIGINT → INTEGER (1 out-of-range value, e.g. id=2147483658)" in str(refused.value)
    assert cli.exit_code == 19, cli.output
    assert "downgrade refused before changing anything" in cli.stderr
    assert snapshot(url) == held
    assert version(url) == [SECOND]

    execute(url, f"DELETE FROM prices WHERE id = {BIG_ID}")
    asyncio.run(downgrade_database(INITIAL, database_url=url))

    assert version(url) == [INITIAL]
    assert on_connection(url, _read(legacy_models.metadata)) == before
    assert drift_from_initial_models(url) == []
    # The sequence that went past 2**31 was moved back: the next id fits the integer column again.
    execute(url, NEXT_PRICE)
    assert scalar(url, "SELECT max(id) FROM prices") == 401
    asyncio.run(upgrade_database(database_url=url))
    assert version(url) == [SECOND]


def test_sqlite_downgrades_with_a_64_bit_value_which_its_integer_holds(sqlite_url: str) -> None:
    url, before = _full(sqlite_url)
    asyncio.run(upgrade_database(database_url=url))
    _insert_64_bit_price(url)

    asyncio.run(downgrade_database(INITIAL, database_url=url))

    assert version(url) == [INITIAL]
    assert scalar(url, f"SELECT volume FROM prices WHERE id = {BIG_ID}") == BIG_VOLUME
    execute(url, f"DELETE FROM prices WHERE id = {BIG_ID}")
    assert on_connection(url, _read(legacy_models.metadata)) == before
    assert drift_from_initial_models(url) == []
    execute(url, NEXT_PRICE)
    assert scalar(url, "SELECT max(id) FROM prices") == 401


def _insert_64_bit_price(url: str) -> None:
    """A price with a volume of 2**40 and the id BIG_ID; on PostgreSQL the id comes from the (widened) sequence."""
    if url.startswith("postgresql"):
        execute(url, f"SELECT setval('prices_id_seq', {BIG_ID - 1})")
        columns, values = "", ""
    else:
        columns, values = "id, ", f"{BIG_ID}, "
    execute(
        url,
        f"INSERT INTO prices ({columns}ticker_symbol, timestamp, open, high, low, close, volume) "
        f"VALUES ({values}'7200', '2031-01-01 00:00:00', 1, 1, 1, 1, {BIG_VOLUME})",
    )
