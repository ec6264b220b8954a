"""Server defaults that mean the same are not reported as differences."""

from __future__ import annotations

import pytest

from app.infrastructure.database.migration.inspect.comparison import normalize_default


@pytest.mark.parametrize("spelling", ["CURRENT_TIMESTAMP", "now()", "(CURRENT_TIMESTAMP)", "transaction_timestamp()"])
def test_current_timestamp_spellings_are_equivalent(spelling: str) -> None:
    assert normalize_default(spelling) == "current_timestamp"


def test_other_defaults_keep_their_value_without_casts() -> None:
    assert normalize_default("'x'::character varying") == "'x'"
    assert normalize_default("0") == "0"
    assert normalize_default("FALSE") == "false"
    assert normalize_default("'JPY'::character varying") == "'JPY'"
    assert normalize_default(None) is None
