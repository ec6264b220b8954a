"""Time zones, 64-bit ids and volume, no duplicate indexes

Revision ID: 63d881e7b4dc
Revises: dceebfc4ff9f
Create Date: 2026-12-07 02:04:45.319111+00:00

Written by `stockdata migrate revision` against a PostgreSQL database at dceebfc4ff9f (SQLite reflects neither
the time-zone flag nor 32/64-bit integers: there autogenerate sees only the index drops), then reviewed by hand.
What the review changed:

- Time zones: every timestamp becomes TIMESTAMP WITH TIME ZONE. The naive values stored so far are UTC wall-clock
  times; the cast autogenerate wrote reads them in the session's TimeZone, so on a server set to Asia/Tokyo every
  instant would move by nine hours. `USING <column> AT TIME ZONE 'UTC'` reads them as UTC whatever the server's
  setting, and the downgrade turns them back into UTC wall-clock times the same way.
- Sequences: widening `id` leaves prices_id_seq and stocks_id_seq integer sequences, which stop at 2**31 - 1;
  `ALTER SEQUENCE ... AS bigint` widens them too. The downgrade narrows them back, after moving a sequence that
  went past the integer range back to the largest id (the pre-flight has already refused a downgrade while any id
  is out of range, so every id left fits).
- Plain forms instead of the safe.alter_column_type autogenerate wrote: prices.timestamp is in a two-column unique
  key, which the expand/contract swap cannot carry over (on a table of 100,000 rows or more it refuses it, exit 26),
  and the safe form has no USING for the time-zone reading (its sync trigger would cast in each writer's own session
  time zone). Every table therefore has its timestamps rewritten under ACCESS EXCLUSIVE anyway; widening the ids by
  expand/contract as well (the safe form carries a single-column primary key and its sequence over) would only add
  a second pass over prices and stocks. So this revision runs in a maintenance window on a big database: on
  PostgreSQL each changed column rewrites its table once.
- The duplicate indexes are dropped first, plainly (lint's ignores say why), so the rewrites do not rebuild them.
- Portable types: sa.DateTime() and sa.Integer() instead of the reflected postgresql.TIMESTAMP() and sa.INTEGER().
- SQLite: only the indexes change. Its INTEGER holds 64 bits already (the models' BIG_INTEGER stays INTEGER there,
  which also keeps the ids the rowid) and it keeps no time-zone flag, so the type changes are PostgreSQL's alone.
  Autogenerate's batch blocks would have rebuilt every table for nothing, and made the revision impossible to
  render offline (`stockdata migrate sql`) for SQLite.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "63d881e7b4dc"
down_revision: str | Sequence[str] | None = "dceebfc4ff9f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_INTEGER = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMPS = (
    ("listed_info", "created_at"),
    ("listed_info", "updated_at"),
    ("prices", "timestamp"),
    ("prices", "created_at"),
    ("stocks", "created_at"),
    ("stocks", "updated_at"),
)
INTEGER_MAX = 2**31 - 1


def upgrade() -> None:
    """Drop three duplicate indexes; on PostgreSQL, timestamps with time zone (naive values read as UTC), 64-bit
    ids, sequences and volume."""
    op.drop_index(
        # migrate-lint: ignore[require-concurrent-index-deletion] prices is rewritten under ACCESS EXCLUSIVE below
        # (its id), so a concurrent drop would spare no lock; this copy of prices_pkey is dropped before the rebuild
        op.f("ix_prices_id"),
        table_name="prices",
    )
    op.drop_index(
        # migrate-lint: ignore[require-concurrent-index-deletion] stocks is rewritten under ACCESS EXCLUSIVE below
        # (its id), so a concurrent drop would spare no lock; the index is a copy of stocks_pkey
        op.f("ix_stocks_id"),
        table_name="stocks",
    )
    op.drop_index(
        # migrate-lint: ignore[require-concurrent-index-deletion] same rewrite; copy of uq_stocks_ticker_symbol
        op.f("ix_stocks_ticker_symbol"),
        table_name="stocks",
    )
    if op.get_context().dialect.name != "postgresql":
        return
    op.alter_column(
        # migrate-lint: ignore[changing-column-type] reviewed: prices is rewritten for its timestamps anyway (docstring)
        "prices",
        "id",
        type_=BIG_INTEGER,
        existing_type=sa.Integer(),
        existing_nullable=False,
    )
    op.alter_column(
        # migrate-lint: ignore[changing-column-type] reviewed: stocks is rewritten for its timestamps anyway (docstring)
        "stocks",
        "id",
        type_=BIG_INTEGER,
        existing_type=sa.Integer(),
        existing_nullable=False,
    )
    op.alter_column(
        # migrate-lint: ignore[changing-column-type] reviewed: prices is rewritten for its timestamps anyway (docstring)
        "prices",
        "volume",
        type_=BIG_INTEGER,
        existing_type=sa.Integer(),
        existing_nullable=False,
    )
    for table, column in TIMESTAMPS:
        _change_time_zone(table, column, type_=sa.DateTime(timezone=True), existing_type=sa.DateTime())
    op.execute("ALTER SEQUENCE prices_id_seq AS bigint")
    op.execute("ALTER SEQUENCE stocks_id_seq AS bigint")


def downgrade() -> None:
    """On PostgreSQL, naive timestamps (UTC wall-clock times), 32-bit ids, sequences and volume; the three indexes."""
    if op.get_context().dialect.name == "postgresql":
        for table, column in TIMESTAMPS:
            _change_time_zone(table, column, type_=sa.DateTime(), existing_type=sa.DateTime(timezone=True))
        op.alter_column("prices", "volume", type_=sa.Integer(), existing_type=BIG_INTEGER, existing_nullable=False)
        op.alter_column("stocks", "id", type_=sa.Integer(), existing_type=BIG_INTEGER, existing_nullable=False)
        op.alter_column("prices", "id", type_=sa.Integer(), existing_type=BIG_INTEGER, existing_nullable=False)
        for table in ("stocks", "prices"):
            # After the columns, so that the pre-flight measures their narrowing on the rows as they are. An integer
            # sequence cannot hold a value past 2**31 - 1: one that went there moves back to after the largest id,
            # which fits (the pre-flight refused the downgrade otherwise).
            op.execute(
                f"SELECT setval('{table}_id_seq', (SELECT coalesce(max(id), 0) + 1 FROM {table}), false) "
                f"FROM {table}_id_seq WHERE last_value > {INTEGER_MAX}"
            )
            op.execute(f"ALTER SEQUENCE {table}_id_seq AS integer")
    op.create_index(op.f("ix_stocks_ticker_symbol"), "stocks", ["ticker_symbol"], unique=False)
    op.create_index(op.f("ix_stocks_id"), "stocks", ["id"], unique=False)
    op.create_index(op.f("ix_prices_id"), "prices", ["id"], unique=False)


def _change_time_zone(
    table: str, column: str, *, type_: sa.types.TypeEngine[object], existing_type: sa.types.TypeEngine[object]
) -> None:
    """Add or remove the time zone of a timestamp, reading and writing naive values as UTC."""
    op.alter_column(
        # migrate-lint: ignore[changing-column-type] reviewed: reading naive values as UTC needs USING (docstring)
        table,
        column,
        type_=type_,
        existing_type=existing_type,
        existing_nullable=False,
        postgresql_using=f"{op.get_context().dialect.identifier_preparer.quote(column)} AT TIME ZONE 'UTC'",
    )
