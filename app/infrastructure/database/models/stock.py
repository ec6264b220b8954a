"""``stocks``: one row per traded stock."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Float, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from app.infrastructure.database.connection import BIG_INTEGER, Base


class StockModel(Base):
    """A stock and its descriptive attributes."""

    __tablename__ = "stocks"
    __table_args__ = (UniqueConstraint("ticker_symbol"),)

    id: Mapped[int] = mapped_column(BIG_INTEGER, primary_key=True)
    ticker_symbol: Mapped[str] = mapped_column(String(10))
    company_name: Mapped[str] = mapped_column(String(255))
    market: Mapped[str] = mapped_column(String(50), index=True)
    sector: Mapped[str | None] = mapped_column(String(100), index=True)
    industry: Mapped[str | None] = mapped_column(String(100))
    market_cap: Mapped[float | None] = mapped_column(Float)
    description: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.current_timestamp())
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.current_timestamp(), onupdate=func.current_timestamp()
    )
