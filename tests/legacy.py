"""Legacy databases as they exist in the wild: built by the archived SQL scripts and by ``create_all()``."""

from __future__ import annotations

import hashlib

from sqlalchemy import DefaultClause, MetaData, Table, func
from sqlalchemy.engine import Connection

from app.infrastructure.database.migration.inspect.drift import detect_drift
from app.infrastructure.database.migration.results import Difference
from app.infrastructure.database.migration.setup import SCRIPT_LOCATION, build_config, load_scripts
from harness.databases import run_sql_script
from harness.queries import on_connection, rows
from tests import legacy_models

LISTED_INFO_ROWS = """
INSERT INTO listed_info (date, code, company_name, company_name_english, sector_17_code, sector_17_code_name,
    sector_33_code, sector_33_code_name, scale_category, market_code, market_code_name, margin_code,
    margin_code_name, created_at, updated_at)
SELECT DATE '2020-01-01' + (i % 1000), lpad((i / 1000)::text, {width}, '0'), '会社 ' || i, 'Company ' || i,
    (i % 17)::text, '業種 ' || (i % 17), (i % 33)::text, NULL, 'TOPIX Small 1', '0111', 'プライム', (i % 3)::text,
    '貸借', TIMESTAMP '2024-01-01' + i * INTERVAL '1 second', TIMESTAMP '2024-06-01 12:00'
FROM generate_series(0, {last}) AS i
"""

STOCK_AND_PRICE_ROWS = """
INSERT INTO stocks (ticker_symbol, company_name, market, sector, industry, market_cap, description, created_at,
    updated_at)
SELECT 'T' || i, 'Stock ' || i, 'TSE', 'S' || (i % 10), NULL, i * 1.5, 'd' || i, TIMESTAMP '2024-01-01',
    TIMESTAMP '2024-01-02'
FROM generate_series(1, 500) AS i;
INSERT INTO prices (ticker_symbol, timestamp, open, high, low, close, volume, adjusted_close, created_at)
SELECT 'T' || (i % 500), TIMESTAMP '2024-01-01' + i * INTERVAL '1 hour', i, i + 1, i - 0.25, i + 0.5, i * 100,
    NULL, TIMESTAMP '2024-01-01'
FROM generate_series(1, 5000) AS i;
"""


def create_all(url: str, *tables: str) -> None:
    """Create ``tables`` as the old start-up ``Base.metadata.create_all()`` call did, from the initial models."""
    _create_all(url, [legacy_models.metadata.tables[name] for name in tables])


def create_all_listed_info(url: str) -> None:
    """Create ``listed_info`` as ``create_all()`` of the old model made it: ``now()`` defaults and no comments."""
    metadata = MetaData(naming_convention=legacy_models.metadata.naming_convention)
    table = legacy_models.metadata.tables["listed_info"].to_metadata(metadata)
    table.comment = None
    for column in table.columns:
        column.comment = None
        if column.server_default is not None:
            column.server_default = DefaultClause(func.now())
    _create_all(url, [table])


def _create_all(url: str, tables: list[Table]) -> None:
    def create(connection: Connection) -> None:
        tables[0].metadata.create_all(connection, tables=tables)
        connection.commit()

    on_connection(url, create)


def load_rows(url: str, *, listed_info: int = 100_000, code_width: int = 4, stocks_and_prices: bool = False) -> None:
    """Fill ``listed_info`` with ``listed_info`` rows (and ``stocks`` / ``prices`` with a few thousand)."""
    if listed_info:
        run_sql_script(url, LISTED_INFO_ROWS.format(width=code_width, last=listed_info - 1))
    if stocks_and_prices:
        run_sql_script(url, STOCK_AND_PRICE_ROWS)


ROW_ORDER = {"listed_info": "date, code", "stocks": "id", "prices": "id"}


def checksums(url: str, *tables: str) -> dict[str, tuple[int, str]]:
    """Row count and a checksum of every column of every row, per table."""
    result = {}
    for table in tables:
        if url.startswith("postgresql"):
            order = ROW_ORDER.get(table, "t::text")
            sql = f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY {order}), '')) FROM {table} t"
            count, digest = rows(url, sql)[0]
        else:
            texts = sorted(repr(tuple(row)) for row in rows(url, f"SELECT * FROM {table}"))
            count, digest = len(texts), hashlib.md5("|".join(texts).encode()).hexdigest()
        result[table] = (count, digest)
    return result


def filenodes(url: str, *relations: str) -> dict[str, int]:
    """The file each relation (table or index) is stored in; a rewrite gives it a new one."""
    sql = "SELECT relname, pg_relation_filenode(oid) FROM pg_class WHERE relname IN ({})".format(
        ", ".join(f"'{name}'" for name in relations)
    )
    return {name: node for name, node in rows(url, sql)}


def drift_from_initial_models(url: str) -> list[Difference]:
    """How the database differs from the models as they were at the initial revision (``check`` against them)."""
    script = load_scripts(build_config(database_url=url, script_location=SCRIPT_LOCATION))
    return on_connection(url, lambda connection: detect_drift(connection, legacy_models.metadata, script))
