"""SQLite (development) and PostgreSQL (production) end in the same schema after the same revisions.

The comparison is in :mod:`tests.schema_parity`; the second test proves it catches a revision that builds a
different shape on each dialect.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from app.infrastructure.database.migration import get_heads, upgrade_database
from harness.queries import on_connection
from tests.schema_parity import compare_schemas, snapshot
from tests.scripts_folder import write_revision

DIVIDENDS = """
on_postgresql = op.get_bind().dialect.name == "postgresql"
op.create_table(
    "dividends",
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column(
        "stock_id",
        sa.Integer(),
        sa.ForeignKey("stocks.id", ondelete="CASCADE" if on_postgresql else None),
        nullable=False,
    ),
    sa.Column("amount", sa.Numeric(12, 2) if on_postgresql else sa.Float(), nullable=not on_postgresql),
    sa.Column("currency", sa.String(3), server_default="JPY" if on_postgresql else "USD"),
    sa.Column("paid_at", sa.DateTime(), server_default=sa.text("now()" if on_postgresql else "CURRENT_TIMESTAMP")),
)
if on_postgresql:
    op.create_table("dividend_audit", sa.Column("id", sa.Integer(), primary_key=True))
else:
    op.create_index("ix_dividends_currency", "dividends", ["currency"])
"""
"""The upgrade of a revision that builds a different shape on each dialect."""


def upgrade_and_compare(sqlite_url: str, postgres_url: str, scripts: Path | None = None) -> list[str]:
    """Upgrade both databases to head with ``scripts`` (default: the project's) and list their differences."""
    for url in (sqlite_url, postgres_url):
        asyncio.run(upgrade_database(database_url=url, script_location=scripts))
    return compare_schemas(on_connection(sqlite_url, snapshot), on_connection(postgres_url, snapshot))


def test_sqlite_and_postgresql_end_in_the_same_schema_at_head(sqlite_url: str, postgres_url: str) -> None:
    differences = upgrade_and_compare(sqlite_url, postgres_url)

    assert not differences, "SQLite and PostgreSQL differ at head:\n  " + "\n  ".join(differences)
    assert {"listed_info", "stocks", "prices"} <= on_connection(postgres_url, snapshot).tables.keys()


def test_a_revision_that_builds_a_different_shape_per_dialect_is_reported(
    sqlite_url: str, postgres_url: str, scripts: Path
) -> None:
    (head,) = asyncio.run(get_heads(script_location=scripts))
    write_revision(
        scripts,
        "0badc0ffee00",
        down_revision=head,
        upgrade=DIVIDENDS,
        downgrade='op.drop_table("dividends")',
        message="Dividends, built differently on each dialect",
    )

    differences = upgrade_and_compare(sqlite_url, postgres_url, scripts)

    assert differences == [
        "table dividend_audit: missing on sqlite, present on postgresql",
        "column dividends.amount: float NULL on sqlite, numeric(12,2) NOT NULL on postgresql",
        "column dividends.currency: varchar(3) NULL DEFAULT 'USD' on sqlite, "
        "varchar(3) NULL DEFAULT 'JPY' on postgresql",
        "foreign key fk_dividends_stock_id_stocks: (stock_id) → stocks(id) on sqlite, "
        "(stock_id) → stocks(id) ON DELETE CASCADE on postgresql",
        "index ix_dividends_currency: (currency) on sqlite, missing on postgresql",
    ]
