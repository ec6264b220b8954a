"""Rename hints: autogenerate's drop + add of the same shape is reported, or rewritten into a rename that keeps data.

The models are changed on a modified copy of the metadata (``config.attributes["target_metadata"]``), never by
editing source files; the rewrite is the hook ``create_revision`` installs (``renames.apply_renames``).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import Column, MetaData, String

from app.infrastructure.database import models  # noqa: F401
from app.infrastructure.database.connection import Base
from app.infrastructure.database.migration import downgrade_database, find_rename_hints, upgrade_database
from app.infrastructure.database.migration.author.renames import RenameHint, apply_renames
from app.infrastructure.database.migration.setup import build_config
from harness.commands import STOCKDATA
from harness.queries import execute, scalar
from tests.helpers import run
from tests.scripts_folder import line_of

LISTED_ROW = (
    "INSERT INTO listed_info (date, code, company_name, company_name_english) "
    "VALUES ('2024-01-04', '72030', 'トヨタ自動車', 'TOYOTA MOTOR CORPORATION')"
)
STOCK_ROW = "INSERT INTO stocks (ticker_symbol, company_name, market) VALUES ('7203', 'Toyota', 'Prime')"


def renamed_metadata(*, table: bool = False) -> MetaData:
    """The models with listed_info.company_name_english renamed to company_name_en (and stocks to equities)."""
    metadata = MetaData(naming_convention=Base.metadata.naming_convention)
    for model_table in Base.metadata.sorted_tables:
        renamed = "equities" if table and model_table.name == "stocks" else None
        model_table.to_metadata(metadata, name=renamed)
    listed_info = metadata.tables["listed_info"]
    english = listed_info.c.company_name_english
    listed_info._columns.remove(english)  # Table has no public way to drop a column
    listed_info.append_column(Column("company_name_en", String(255), comment=english.comment))
    return metadata


def generate(database_url: str, scripts: Path, metadata: MetaData, confirm: Callable[[RenameHint], bool]) -> Path:
    """Autogenerate a revision against ``metadata`` with the rename hook answering through ``confirm``."""
    config = build_config(database_url=database_url, script_location=scripts)
    config.attributes["target_metadata"] = metadata

    def hook(_context: Any, _revision: Any, directives: list[Any]) -> None:
        apply_renames(directives[0], confirm)

    config.attributes["process_revision_directives"] = hook
    written = command.revision(config, message="rename english name", autogenerate=True)
    assert written is not None
    assert not isinstance(written, list)
    return Path(written.path)


def test_a_declined_rename_is_written_as_drop_and_add_and_reported_with_its_lines(
    database_url: str, scripts: Path
) -> None:
    asyncio.run(upgrade_database(database_url=database_url, script_location=scripts))
    asked: list[RenameHint] = []

    path = generate(database_url, scripts, renamed_metadata(), lambda hint: asked.append(hint) is not None)
    [hint] = asyncio.run(find_rename_hints(path))

    assert [(h.kind, h.table, h.old, h.new, h.shape) for h in asked] == [
        ("column", "listed_info", "company_name_english", "company_name_en", "VARCHAR(255)")
    ]
    assert (hint.kind, hint.table, hint.old, hint.new) == (
        "column",
        "listed_info",
        "company_name_english",
        "company_name_en",
    )
    text = path.read_text().splitlines()
    add, drop = hint.upgrade_lines
    assert "batch_op.add_column(" in text[add - 1]
    assert '"company_name_en"' in " ".join(text[add - 1 : add + 4])
    assert 'batch_op.drop_column("company_name_english")' in text[drop - 1]
    assert drop < line_of(path, "def downgrade")
    readd, undrop = hint.downgrade_lines
    assert "batch_op.add_column(" in text[readd - 1]
    assert '"company_name_english"' in " ".join(text[readd - 1 : readd + 4])
    assert 'batch_op.drop_column("company_name_en")' in text[undrop - 1]
    assert (
        hint.replacement == 'op.alter_column("listed_info", "company_name_english", new_column_name="company_name_en")'
    )


def test_an_accepted_column_rename_keeps_the_data_up_and_down(database_url: str, scripts: Path) -> None:
    asyncio.run(upgrade_database(database_url=database_url, script_location=scripts))
    execute(database_url, LISTED_ROW)

    path = generate(database_url, scripts, renamed_metadata(), lambda _hint: True)
    asyncio.run(upgrade_database(database_url=database_url, script_location=scripts))
    renamed = scalar(database_url, "SELECT company_name_en FROM listed_info WHERE code = '72030'")
    asyncio.run(downgrade_database(database_url=database_url, script_location=scripts))
    restored = scalar(database_url, "SELECT company_name_english FROM listed_info WHERE code = '72030'")

    assert 'new_column_name="company_name_en"' in path.read_text()
    assert "drop_column" not in path.read_text()
    assert asyncio.run(find_rename_hints(path)) == []
    assert renamed == "TOYOTA MOTOR CORPORATION"
    assert restored == "TOYOTA MOTOR CORPORATION"


def test_an_accepted_table_rename_keeps_the_rows(database_url: str, scripts: Path) -> None:
    asyncio.run(upgrade_database(database_url=database_url, script_location=scripts))
    execute(database_url, STOCK_ROW)
    asked: list[str] = []

    path = generate(database_url, scripts, renamed_metadata(table=True), lambda hint: asked.append(hint.kind) is None)
    asyncio.run(upgrade_database(database_url=database_url, script_location=scripts))

    assert sorted(asked) == ["column", "table"]
    assert 'op.rename_table("stocks", "equities")' in path.read_text()
    assert scalar(database_url, "SELECT company_name FROM equities WHERE ticker_symbol = '7203'") == "Toyota"


def test_the_revision_command_warns_or_asks_and_writes_the_rename(database_url: str, scripts: Path) -> None:
    # The database, not the models, holds the other name here: autogenerate then drops it and adds the model's.
    asyncio.run(upgrade_database(database_url=database_url, script_location=scripts))
    execute(
        database_url,
        "ALTER TABLE listed_info RENAME COLUMN company_name_english TO english_name",
        LISTED_ROW.replace("company_name_english", "english_name"),
    )
    command = [STOCKDATA, "migrate", "revision", "-m", "restore the english name", "--database-url", database_url]
    env = {"MIGRATION_SCRIPT_LOCATION": str(scripts)}

    warned = run(command, env=env)
    Path(re.search(r"Wrote (\S+\.py)\.", warned.stdout)[1]).unlink()  # type: ignore[index]
    asked = run([*command, "--interactive"], env=env, input="y\n")
    upgraded = run([STOCKDATA, "migrate", "upgrade", "--database-url", database_url], env=env)

    assert warned.returncode == 0, warned.stderr
    assert (
        "Warning: listed_info.english_name is dropped and listed_info.company_name_english added with the same type "
        "(VARCHAR(255)). If this is a rename, upgrading loses the data" in warned.stderr
    )
    assert asked.returncode == 0, asked.stderr
    assert (
        "Did you rename listed_info.english_name to listed_info.company_name_english (a VARCHAR(255))? [y/N]"
        in asked.stdout
    )
    assert "Warning" not in asked.stderr
    assert upgraded.returncode == 0, upgraded.stderr
    assert scalar(database_url, "SELECT company_name_english FROM listed_info") == "TOYOTA MOTOR CORPORATION"
