"""Reading the archived legacy scripts: which run, in what order, split into statements."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.infrastructure.database.migration.adopt.replay import LEGACY_ARCHIVE, legacy_scripts, split_statements
from app.infrastructure.database.migration.errors import MigrationSetupError


def test_forward_scripts_in_the_order_they_ran_without_the_rollback() -> None:
    assert [path.name for path in legacy_scripts()] == [
        "001_create_listed_info_table.sql",
        "002_alter_listed_info_code_length.sql",
        "003_alter_listed_info_code_length_10.sql",
    ]


def test_archived_scripts_split_into_their_statements() -> None:
    create = split_statements((LEGACY_ARCHIVE / "001_create_listed_info_table.sql").read_text())
    widen = split_statements((LEGACY_ARCHIVE / "002_alter_listed_info_code_length.sql").read_text())

    assert len(create) == 1 + 2 + 1 + 15  # the table, two indexes, the table comment and 15 column comments
    assert create[0].startswith("CREATE TABLE IF NOT EXISTS listed_info (")
    assert create[-1] == "COMMENT ON COLUMN listed_info.updated_at IS '更新日時'"
    assert widen == [
        "ALTER TABLE listed_info ALTER COLUMN code TYPE VARCHAR(6)",
        "COMMENT ON COLUMN listed_info.code IS '銘柄コード (最大 6 文字)'",
    ]


def test_semicolons_and_dashes_inside_literals_do_not_split() -> None:
    script = "-- header; not a statement\nCOMMENT ON TABLE t IS 'a; b -- c ''d''';\nSELECT 1 - 2"

    assert split_statements(script) == ["COMMENT ON TABLE t IS 'a; b -- c ''d'''", "SELECT 1 - 2"]


@pytest.mark.parametrize("script", ["DO $$ BEGIN END $$;", "SELECT 1 /* ; */;", "SELECT 'unterminated;"])
def test_what_the_splitter_cannot_read_is_refused(script: str) -> None:
    with pytest.raises(MigrationSetupError):
        split_statements(script)


def test_an_archive_without_scripts_has_none(tmp_path: Path) -> None:
    (tmp_path / "001_rollback_x.sql").write_text("DROP TABLE x;")

    assert legacy_scripts(tmp_path) == []
