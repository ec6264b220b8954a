"""Initial migration

Revision ID: dceebfc4ff9f
Revises:
Create Date: 2026-11-27 12:19:06.248535+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "dceebfc4ff9f"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create listed_info, stocks and prices with their keys, indexes and comments."""
    op.create_table(
        "listed_info",
        sa.Column("date", sa.Date(), nullable=False, comment="Date the information applies to"),
        sa.Column("code", sa.String(length=10), nullable=False, comment="Stock code, up to 10 characters"),
        sa.Column("company_name", sa.String(length=255), nullable=False, comment="Company name in Japanese"),
        sa.Column("company_name_english", sa.String(length=255), nullable=True, comment="Company name in English"),
        sa.Column("sector_17_code", sa.String(length=10), nullable=True, comment="TOPIX-17 sector code"),
        sa.Column("sector_17_code_name", sa.String(length=255), nullable=True, comment="TOPIX-17 sector name"),
        sa.Column("sector_33_code", sa.String(length=10), nullable=True, comment="33-industry sector code"),
        sa.Column("sector_33_code_name", sa.String(length=255), nullable=True, comment="33-industry sector name"),
        sa.Column("scale_category", sa.String(length=50), nullable=True, comment="TOPIX size category"),
        sa.Column("market_code", sa.String(length=10), nullable=True, comment="Market segment code"),
        sa.Column("market_code_name", sa.String(length=50), nullable=True, comment="Market segment name"),
        sa.Column("margin_code", sa.String(length=10), nullable=True, comment="Margin trading classification code"),
        sa.Column(
            "margin_code_name", sa.String(length=50), nullable=True, comment="Margin trading classification name"
        ),
        sa.Column(
            "created_at",
            sa.DateTime(),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
            comment="When the row was inserted",
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
            comment="When the row was last updated",
        ),
        sa.PrimaryKeyConstraint("date", "code", name=op.f("listed_info_pkey")),
        comment="Listed-company information from J-Quants, one row per company per date",
    )
    with op.batch_alter_table("listed_info", schema=None) as batch_op:
        batch_op.create_index("idx_listed_info_code", ["code"], unique=False)
        batch_op.create_index("idx_listed_info_date", ["date"], unique=False)

    op.create_table(
        "prices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticker_symbol", sa.String(length=10), nullable=False),
        sa.Column("timestamp", sa.DateTime(), nullable=False),
        sa.Column("open", sa.Float(), nullable=False),
        sa.Column("high", sa.Float(), nullable=False),
        sa.Column("low", sa.Float(), nullable=False),
        sa.Column("close", sa.Float(), nullable=False),
        sa.Column("volume", sa.Integer(), nullable=False),
        sa.Column("adjusted_close", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("prices_pkey")),
        sa.UniqueConstraint("ticker_symbol", "timestamp", name="uq_prices_ticker_timestamp"),
    )
    with op.batch_alter_table("prices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_prices_id"), ["id"], unique=False)
        batch_op.create_index(batch_op.f("ix_prices_ticker_symbol"), ["ticker_symbol"], unique=False)
        batch_op.create_index(batch_op.f("ix_prices_timestamp"), ["timestamp"], unique=False)

    op.create_table(
        "stocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticker_symbol", sa.String(length=10), nullable=False),
        sa.Column("company_name", sa.String(length=255), nullable=False),
        sa.Column("market", sa.String(length=50), nullable=False),
        sa.Column("sector", sa.String(length=100), nullable=True),
        sa.Column("industry", sa.String(length=100), nullable=True),
        sa.Column("market_cap", sa.Float(), nullable=True),
        sa.Column("description", sa.String(length=1000), nullable=True),
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("stocks_pkey")),
        sa.UniqueConstraint("ticker_symbol", name=op.f("uq_stocks_ticker_symbol")),
    )
    with op.batch_alter_table("stocks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stocks_id"), ["id"], unique=False)
        batch_op.create_index(batch_op.f("ix_stocks_market"), ["market"], unique=False)
        batch_op.create_index(batch_op.f("ix_stocks_sector"), ["sector"], unique=False)
        batch_op.create_index(batch_op.f("ix_stocks_ticker_symbol"), ["ticker_symbol"], unique=False)


def downgrade() -> None:
    """Drop every table, index and constraint that upgrade() created."""
    with op.batch_alter_table("stocks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stocks_ticker_symbol"))
        batch_op.drop_index(batch_op.f("ix_stocks_sector"))
        batch_op.drop_index(batch_op.f("ix_stocks_market"))
        batch_op.drop_index(batch_op.f("ix_stocks_id"))

    op.drop_table("stocks")
    with op.batch_alter_table("prices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prices_timestamp"))
        batch_op.drop_index(batch_op.f("ix_prices_ticker_symbol"))
        batch_op.drop_index(batch_op.f("ix_prices_id"))

    op.drop_table("prices")
    with op.batch_alter_table("listed_info", schema=None) as batch_op:
        batch_op.drop_index("idx_listed_info_date")
        batch_op.drop_index("idx_listed_info_code")

    op.drop_table("listed_info")
