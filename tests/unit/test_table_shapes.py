"""Comparing table shapes: what adoption may repair, and what makes a state unknown."""

from __future__ import annotations

from dataclasses import replace

from app.infrastructure.database.migration.adopt.table_shapes import (
    REPAIRABLE,
    ColumnShape,
    KeyShape,
    TableShape,
    compare,
    is_widening,
)

CODE = ColumnShape("code", "VARCHAR(10)", 10, False, None, "Stock code")
CREATED = ColumnShape("created_at", "TIMESTAMP WITHOUT TIME ZONE", None, False, "CURRENT_TIMESTAMP", None)
TABLE = TableShape(
    name="listed_info",
    columns=(CODE, CREATED),
    primary_key=KeyShape("listed_info_pkey", ("code",)),
    indexes=(KeyShape("idx_listed_info_code", ("code",)),),
    constraints=(),
    comment="Listed companies",
)


def kinds(actual: TableShape) -> list[str]:
    return [mismatch.kind for mismatch in compare(actual, TABLE)]


def test_same_shape_has_no_mismatch() -> None:
    assert compare(TABLE, TABLE) == []


def test_comments_spellings_and_names_are_repairable() -> None:
    actual = replace(
        TABLE,
        columns=(replace(CODE, comment="銘柄コード"), replace(CREATED, default="now()")),
        indexes=(KeyShape("ix_listed_info_code", ("code",)),),
        comment=None,
    )

    assert kinds(actual) == ["comment", "default_spelling", "index_name", "table_comment"]
    assert set(kinds(actual)) <= REPAIRABLE


def test_a_narrower_varchar_is_a_widening_and_nothing_else_is() -> None:
    narrower = compare(replace(TABLE, columns=(replace(CODE, type="VARCHAR(4)", length=4), CREATED)), TABLE)
    wider = compare(replace(TABLE, columns=(replace(CODE, type="VARCHAR(20)", length=20), CREATED)), TABLE)
    text = compare(replace(TABLE, columns=(replace(CODE, type="TEXT", length=None), CREATED)), TABLE)

    assert [is_widening(mismatch) for mismatch in narrower + wider + text] == [True, False, False]
    assert narrower[0].description == "code is VARCHAR(4), expected VARCHAR(10)"


def test_structural_differences_are_not_repairable() -> None:
    actual = replace(
        TABLE,
        columns=(replace(CODE, nullable=True), replace(CREATED, default="'2024-01-01'"), CREATED),
        indexes=(KeyShape("idx_listed_info_code", ("code",), "unique"),),
    )
    actual = replace(actual, columns=(*actual.columns[:2], ColumnShape("isin", "VARCHAR(12)", 12, True, None, None)))

    assert kinds(actual) == ["nullable", "default", "extra_column", "missing_index", "extra_index"]
    assert not set(kinds(actual)) & REPAIRABLE
