"""``prices``: daily price bars per ticker."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Float, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from app.infrastructure.database.connection import BIG_INTEGER, Base


class PriceModel(Base):
    """One price bar (open, high, low, close, volume) of a ticker at a timestamp."""

    __tablename__ = "prices"
    __table_args__ = (UniqueConstraint("ticker_symbol", "timestamp", name="uq_prices_ticker_timestamp"),)

    id: Mapped[int] = mapped_column(BIG_INTEGER, primary_key=True)
    ticker_symbol: Mapped[str] = mapped_column(String(10), index=True)
    timestamp: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    open: Mapped[float] = mapped_column(Float)
    high: Mapped[float] = mapped_column(Float)
    low: Mapped[float] = mapped_column(Float)
    close: Mapped[float] = mapped_column(Float)
    volume: Mapped[int] = mapped_column(BIG_INTEGER)
    adjusted_close: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.current_timestamp())
