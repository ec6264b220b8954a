"""Time zones, 64-bit ids and volume, no duplicate indexes

Revision ID: 63d881e7b4dc
Revises: dceebfc4ff9f
Create Date: 2026-12-07 02:04:45.319111+00:00

Written by `stockdata migrate revision` against a PostgreSQL database at dceebfc4ff9f (SQLite reflects neither
the time-zone flag nor 32/64-bit keys, so it sees no change), then reviewed by hand. What the review changed:

- Time zones: every timestamp becomes TIMESTAMP WITH TIME ZONE. The naive values stored so far are UTC wall-clock
  times; the cast autogenerate wrote reads them in the session's TimeZone, so on a server set to Asia/Tokyo every
  instant would move by nine hours. `USING <column> AT TIME ZONE 'UTC'` reads them as UTC whatever the server's
  setting, and the downgrade turns them back into UTC wall-clock times the same way.
- Sequences: widening `id` leaves prices_id_seq and stocks_id_seq integer sequences, which stop at 2**31 - 1;
  `ALTER SEQUENCE ... AS bigint` widens them too. The downgrade narrows them back, after moving a sequence that
  went past the integer range back to the largest id (the pre-flight has already refused a downgrade while any id
  is out of range, so every id left fits).
- Plain forms instead of the safe.alter_column_type autogenerate wrote: the ids are primary keys with a sequence
  and prices.timestamp is in a unique key and an index, which the expand/contract swap cannot carry over (on a
  table of 100,000 rows or more it refuses them, exit 26; below that it runs the plain ALTER anyway). It also has
  no USING for the time-zone reading, and its sync trigger would cast in each writer's own session time zone.
  Since the keys force a rewrite of prices and stocks under ACCESS EXCLUSIVE anyway, expand/contract of their
  other columns buys nothing, and listed_info's two timestamps need the USING. So this revision runs in a
  maintenance window on a big database: on PostgreSQL each changed column rewrites its table once.
- The duplicate indexes are dropped first, plainly (lint's ignores say why), so the rewrites do not rebuild them.
- Portable types: the downgrade names sa.DateTime() and sa.Integer() instead of the reflected
  postgresql.TIMESTAMP(), so SQLite's batch mode rebuilds DATETIME columns as the initial revision made them.
- SQLite: ids stay INTEGER (the rowid, 64-bit there) and timestamps DATETIME; only prices.volume's declared type
  (INTEGER -> BIGINT) and the indexes change, and each table's batch block rebuilds it once.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations

revision: str = "63d881e7b4dc"
down_revision: str | Sequence[str] | None = "dceebfc4ff9f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMPS = {
    "listed_info": ("created_at", "updated_at"),
    "prices": ("timestamp", "created_at"),
    "stocks": ("created_at", "updated_at"),
}
INTEGER_MAX = 2**31 - 1


def upgrade() -> None:
    """Timestamps with time zone (naive values read as UTC), 64-bit ids, sequences and volume; drop three indexes."""
    with op.batch_alter_table("listed_info", schema=None) as batch_op:
        for column in TIMESTAMPS["listed_info"]:
            _to_time_zone(batch_op, column)

    with op.batch_alter_table("prices", schema=None) as batch_op:
        batch_op.drop_index(
            # migrate-lint: ignore[require-concurrent-index-deletion] prices is rewritten under ACCESS EXCLUSIVE below
            # (its id), so a concurrent drop would spare no lock; this copy of prices_pkey is dropped before the rebuild
            batch_op.f("ix_prices_id")
        )
        batch_op.alter_column(
            # migrate-lint: ignore[changing-column-type] reviewed: a key's type; the safe form refuses it (docstring)
            "id",
            type_=BIG_ID,
            existing_type=sa.Integer(),
            existing_nullable=False,
        )
        batch_op.alter_column(
            # migrate-lint: ignore[changing-column-type] reviewed: prices is rewritten for its id anyway (docstring)
            "volume",
            type_=sa.BigInteger(),
            existing_type=sa.Integer(),
            existing_nullable=False,
        )
        for column in TIMESTAMPS["prices"]:
            _to_time_zone(batch_op, column)

    with op.batch_alter_table("stocks", schema=None) as batch_op:
        batch_op.drop_index(
            # migrate-lint: ignore[require-concurrent-index-deletion] stocks is rewritten under ACCESS EXCLUSIVE below
            # (its id), so a concurrent drop would spare no lock; the index is a copy of stocks_pkey
            batch_op.f("ix_stocks_id")
        )
        batch_op.drop_index(
            # migrate-lint: ignore[require-concurrent-index-deletion] same rewrite; copy of uq_stocks_ticker_symbol
            batch_op.f("ix_stocks_ticker_symbol")
        )
        batch_op.alter_column(
            # migrate-lint: ignore[changing-column-type] reviewed: a key's type; the safe form refuses it (docstring)
            "id",
            type_=BIG_ID,
            existing_type=sa.Integer(),
            existing_nullable=False,
        )
        for column in TIMESTAMPS["stocks"]:
            _to_time_zone(batch_op, column)

    if op.get_context().dialect.name == "postgresql":
        op.execute("ALTER SEQUENCE prices_id_seq AS bigint")
        op.execute("ALTER SEQUENCE stocks_id_seq AS bigint")


def downgrade() -> None:
    """Naive timestamps (UTC wall-clock times), 32-bit ids, sequences and volume; the three indexes again."""
    with op.batch_alter_table("stocks", schema=None) as batch_op:
        for column in TIMESTAMPS["stocks"]:
            _to_naive(batch_op, column)
        batch_op.alter_column("id", type_=sa.Integer(), existing_type=BIG_ID, existing_nullable=False)
        batch_op.create_index(batch_op.f("ix_stocks_ticker_symbol"), ["ticker_symbol"], unique=False)
        batch_op.create_index(batch_op.f("ix_stocks_id"), ["id"], unique=False)

    with op.batch_alter_table("prices", schema=None) as batch_op:
        for column in TIMESTAMPS["prices"]:
            _to_naive(batch_op, column)
        batch_op.alter_column("volume", type_=sa.Integer(), existing_type=sa.BigInteger(), existing_nullable=False)
        batch_op.alter_column("id", type_=sa.Integer(), existing_type=BIG_ID, existing_nullable=False)
        batch_op.create_index(batch_op.f("ix_prices_id"), ["id"], unique=False)

    with op.batch_alter_table("listed_info", schema=None) as batch_op:
        for column in TIMESTAMPS["listed_info"]:
            _to_naive(batch_op, column)

    if op.get_context().dialect.name == "postgresql":
        for table in ("stocks", "prices"):
            # After the columns, so that the pre-flight measures their narrowing on the rows as they are. An integer
            # sequence cannot hold a value past 2**31 - 1: one that went there moves back to the largest id, which
            # fits (the pre-flight refused the downgrade otherwise).
            op.execute(
                f"SELECT setval('{table}_id_seq', (SELECT coalesce(max(id), 1) FROM {table})) "
                f"FROM {table}_id_seq WHERE last_value > {INTEGER_MAX}"
            )
            op.execute(f"ALTER SEQUENCE {table}_id_seq AS integer")


def _to_time_zone(batch_op: BatchOperations, column: str) -> None:
    batch_op.alter_column(
        # migrate-lint: ignore[changing-column-type] reviewed: the reading as UTC needs USING, which the safe form lacks
        column,
        type_=sa.DateTime(timezone=True),
        existing_type=sa.DateTime(),
        existing_nullable=False,
        postgresql_using=f"{op.get_context().dialect.identifier_preparer.quote(column)} AT TIME ZONE 'UTC'",
    )


def _to_naive(batch_op: BatchOperations, column: str) -> None:
    batch_op.alter_column(
        column,
        type_=sa.DateTime(),
        existing_type=sa.DateTime(timezone=True),
        existing_nullable=False,
        postgresql_using=f"{op.get_context().dialect.identifier_preparer.quote(column)} AT TIME ZONE 'UTC'",
    )
