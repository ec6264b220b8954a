"""The parity snapshot's normalisation and diff: equivalent spellings agree, real differences read clearly."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import types
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.types import TypeEngine

from tests.schema_parity import Schema, compare_schemas, normalise_column_default, normalise_type

PG = postgresql.dialect()
SQLITE = sqlite.dialect()


@pytest.mark.parametrize(
    ("on_sqlite", "on_postgresql", "expected"),
    [
        (sqlite.FLOAT(), postgresql.DOUBLE_PRECISION(precision=53), "float"),
        (sqlite.REAL(), postgresql.REAL(), "float"),
        (sqlite.DATETIME(), postgresql.TIMESTAMP(), "timestamp"),
        (sqlite.DATETIME(), postgresql.TIMESTAMP(timezone=True), "timestamp"),
        (sqlite.INTEGER(), postgresql.INTEGER(), "integer"),
        (types.BIGINT(), postgresql.BIGINT(), "bigint"),
        (sqlite.VARCHAR(10), postgresql.VARCHAR(10), "varchar(10)"),
        (sqlite.CHAR(2), postgresql.CHAR(2), "char(2)"),
        (sqlite.TEXT(), postgresql.TEXT(), "text"),
        (sqlite.NUMERIC(12, 2), postgresql.NUMERIC(12, 2), "numeric(12,2)"),
        (sqlite.BOOLEAN(), postgresql.BOOLEAN(), "boolean"),
        (sqlite.BLOB(), postgresql.BYTEA(), "binary"),
        (sqlite.JSON(), postgresql.JSONB(), "json"),
    ],
)
def test_equivalent_types_normalise_alike(
    on_sqlite: TypeEngine[Any], on_postgresql: TypeEngine[Any], expected: str
) -> None:
    assert normalise_type(on_sqlite, SQLITE) == expected
    assert normalise_type(on_postgresql, PG) == expected


def test_different_types_stay_different() -> None:
    assert normalise_type(postgresql.VARCHAR(10), PG) != normalise_type(sqlite.VARCHAR(20), SQLITE)
    assert normalise_type(postgresql.NUMERIC(12, 2), PG) != normalise_type(sqlite.FLOAT(), SQLITE)
    assert normalise_type(postgresql.INTERVAL(), PG) == "interval"


@pytest.mark.parametrize(
    ("on_sqlite", "on_postgresql", "type_name"),
    [
        ("CURRENT_TIMESTAMP", "now()", "timestamp"),
        ("'JPY'", "'JPY'::character varying", "varchar(3)"),
        ("'0'", "0", "integer"),
        ("'1.5'", "1.5", "float"),
        ("0", "false", "boolean"),
        ("1", "true", "boolean"),
        (None, "nextval('prices_id_seq'::regclass)", "integer"),
    ],
)
def test_equivalent_defaults_normalise_alike(on_sqlite: str | None, on_postgresql: str, type_name: str) -> None:
    assert normalise_column_default(on_sqlite, type_name) == normalise_column_default(on_postgresql, type_name)


def test_string_defaults_keep_their_case() -> None:
    assert normalise_column_default("'JPY'", "varchar(3)") != normalise_column_default("'jpy'", "varchar(3)")


def test_identical_schemas_have_no_differences() -> None:
    tables = {"stocks": {"column stocks.id": "integer NOT NULL"}}

    assert compare_schemas(Schema("sqlite", tables), Schema("postgresql", dict(tables))) == []


def test_sqlite_integer_matches_postgresql_bigint_but_not_the_reverse() -> None:
    def compare(on_sqlite: str, on_postgresql: str) -> list[str]:
        sqlite_tables = {"prices": {"column prices.id": on_sqlite}}
        return compare_schemas(
            Schema("sqlite", sqlite_tables), Schema("postgresql", {"prices": {"column prices.id": on_postgresql}})
        )

    assert compare("integer NOT NULL", "bigint NOT NULL") == []
    assert compare("bigint NOT NULL", "integer NOT NULL") == [
        "column prices.id: bigint NOT NULL on sqlite, integer NOT NULL on postgresql"
    ]
    assert compare("integer NULL", "bigint NOT NULL") == [
        "column prices.id: integer NULL on sqlite, bigint NOT NULL on postgresql"
    ]


def test_differences_are_listed_one_readable_line_each() -> None:
    left = Schema(
        "sqlite",
        {
            "stocks": {"column stocks.isin": "varchar(20) NULL", "index ix_stocks_isin": "(isin)"},
            "only_left": {},
        },
    )
    right = Schema(
        "postgresql",
        {
            "stocks": {"column stocks.isin": "varchar(12) NOT NULL", "primary key of stocks": "stocks_pkey (id)"},
            "only_right": {"column only_right.id": "integer NOT NULL"},
        },
    )

    assert compare_schemas(left, right) == [
        "table only_left: present on sqlite, missing on postgresql",
        "table only_right: missing on sqlite, present on postgresql",
        "column stocks.isin: varchar(20) NULL on sqlite, varchar(12) NOT NULL on postgresql",
        "index ix_stocks_isin: (isin) on sqlite, missing on postgresql",
        "primary key of stocks: missing on sqlite, stocks_pkey (id) on postgresql",
    ]
