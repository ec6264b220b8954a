"""``listed_info``: J-Quants listed-company information, one row per company per date."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from app.infrastructure.database.connection import Base


class ListedInfoModel(Base):
    """A listed company as published by J-Quants on a given date."""

    __tablename__ = "listed_info"
    __table_args__ = (
        Index("idx_listed_info_code", "code"),
        Index("idx_listed_info_date", "date"),
        {"comment": "Listed-company information from J-Quants, one row per company per date"},
    )

    date: Mapped[dt.date] = mapped_column(Date, primary_key=True, comment="Date the information applies to")
    code: Mapped[str] = mapped_column(String(10), primary_key=True, comment="Stock code, up to 10 characters")
    company_name: Mapped[str] = mapped_column(String(255), comment="Company name in Japanese")
    company_name_english: Mapped[str | None] = mapped_column(String(255), comment="Company name in English")
    sector_17_code: Mapped[str | None] = mapped_column(String(10), comment="TOPIX-17 sector code")
    sector_17_code_name: Mapped[str | None] = mapped_column(String(255), comment="TOPIX-17 sector name")
    sector_33_code: Mapped[str | None] = mapped_column(String(10), comment="33-industry sector code")
    sector_33_code_name: Mapped[str | None] = mapped_column(String(255), comment="33-industry sector name")
    scale_category: Mapped[str | None] = mapped_column(String(50), comment="TOPIX size category")
    market_code: Mapped[str | None] = mapped_column(String(10), comment="Market segment code")
    market_code_name: Mapped[str | None] = mapped_column(String(50), comment="Market segment name")
    margin_code: Mapped[str | None] = mapped_column(String(10), comment="Margin trading classification code")
    margin_code_name: Mapped[str | None] = mapped_column(String(50), comment="Margin trading classification name")
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.current_timestamp(), comment="When the row was inserted"
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True),
        server_default=func.current_timestamp(),
        onupdate=func.current_timestamp(),
        comment="When the row was last updated",
    )
