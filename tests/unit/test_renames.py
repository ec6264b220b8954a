"""Which drop + add pairs count as the same shape, and what a rename hint tells the developer."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from app.infrastructure.database.migration.author.renames import RenameHint, same_type


@pytest.mark.parametrize(
    ("dropped", "added", "same"),
    [
        (sa.VARCHAR(length=255), sa.String(255), True),  # reflected by a revision's downgrade vs the model
        (sa.DATETIME(), sa.DateTime(), True),  # reflected from SQLite
        (postgresql.TIMESTAMP(), sa.DateTime(), True),  # reflected from PostgreSQL
        (postgresql.DOUBLE_PRECISION(precision=53), sa.Float(), True),
        (sa.String(10), sa.String(255), False),
        (sa.Integer(), sa.BigInteger(), False),
        (sa.Text(), sa.String(255), False),
    ],
)
def test_same_type_follows_alembics_type_comparison(dropped: Any, added: Any, same: bool) -> None:
    assert same_type(dropped, added) is same


def test_hints_name_the_operation_that_keeps_the_data() -> None:
    column = RenameHint("column", "listed_info", "company_name_english", "company_name_en", "VARCHAR(255)")
    table = RenameHint("table", None, "stocks", "equities", "id, ticker_symbol")

    assert (
        column.replacement
        == 'op.alter_column("listed_info", "company_name_english", new_column_name="company_name_en")'
    )
    assert column.description == (
        "listed_info.company_name_english is dropped and listed_info.company_name_en added with the same type "
        "(VARCHAR(255))"
    )
    assert table.replacement == 'op.rename_table("stocks", "equities")'
    assert (
        table.description
        == "table stocks is dropped and table equities created with the same columns (id, ticker_symbol)"
    )
