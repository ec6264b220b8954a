"""The models as they were at the initial revision (dceebfc4ff9f), frozen: what ``create_all()`` built before Alembic.

Legacy databases were made by the application's start-up ``Base.metadata.create_all()``, from these models; the
current models have moved on (revision 63d881e7b4dc: time zones, 64-bit ids and volume, no duplicate indexes),
so tests that build a legacy state use this copy, never ``Base.metadata``.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
    func,
)

from app.infrastructure.database.connection import NAMING_CONVENTION

INITIAL_REVISION = "dceebfc4ff9f"
"""The revision these models match."""

metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _timestamp(name: str, comment: str | None = None) -> Column[object]:
    return Column(name, DateTime, server_default=func.current_timestamp(), nullable=False, comment=comment)


def _text(name: str, length: int, comment: str, *, nullable: bool = True) -> Column[object]:
    return Column(name, String(length), nullable=nullable, comment=comment)


Table(
    "listed_info",
    metadata,
    Column("date", Date, nullable=False, comment="Date the information applies to"),
    _text("code", 10, "Stock code, up to 10 characters", nullable=False),
    _text("company_name", 255, "Company name in Japanese", nullable=False),
    _text("company_name_english", 255, "Company name in English"),
    _text("sector_17_code", 10, "TOPIX-17 sector code"),
    _text("sector_17_code_name", 255, "TOPIX-17 sector name"),
    _text("sector_33_code", 10, "33-industry sector code"),
    _text("sector_33_code_name", 255, "33-industry sector name"),
    _text("scale_category", 50, "TOPIX size category"),
    _text("market_code", 10, "Market segment code"),
    _text("market_code_name", 50, "Market segment name"),
    _text("margin_code", 10, "Margin trading classification code"),
    _text("margin_code_name", 50, "Margin trading classification name"),
    _timestamp("created_at", "When the row was inserted"),
    _timestamp("updated_at", "When the row was last updated"),
    PrimaryKeyConstraint("date", "code"),
    Index("idx_listed_info_code", "code"),
    Index("idx_listed_info_date", "date"),
    comment="Listed-company information from J-Quants, one row per company per date",
)

Table(
    "prices",
    metadata,
    Column("id", Integer, primary_key=True, index=True),
    Column("ticker_symbol", String(10), nullable=False, index=True),
    Column("timestamp", DateTime, nullable=False, index=True),
    Column("open", Float, nullable=False),
    Column("high", Float, nullable=False),
    Column("low", Float, nullable=False),
    Column("close", Float, nullable=False),
    Column("volume", Integer, nullable=False),
    Column("adjusted_close", Float, nullable=True),
    _timestamp("created_at"),
    UniqueConstraint("ticker_symbol", "timestamp", name="uq_prices_ticker_timestamp"),
)

Table(
    "stocks",
    metadata,
    Column("id", Integer, primary_key=True, index=True),
    Column("ticker_symbol", String(10), nullable=False, index=True),
    Column("company_name", String(255), nullable=False),
    Column("market", String(50), nullable=False, index=True),
    Column("sector", String(100), nullable=True, index=True),
    Column("industry", String(100), nullable=True),
    Column("market_cap", Float, nullable=True),
    Column("description", String(1000), nullable=True),
    _timestamp("created_at"),
    _timestamp("updated_at"),
    UniqueConstraint("ticker_symbol"),
)
