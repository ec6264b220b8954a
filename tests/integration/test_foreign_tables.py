"""Which tables autogenerate and ``check`` compare: modelled ones and those a revision created, never foreign ones."""

from __future__ import annotations

import asyncio

from sqlalchemy import MetaData

from app.infrastructure.database import models  # noqa: F401
from app.infrastructure.database.connection import Base
from app.infrastructure.database.migration import list_foreign_tables, upgrade_database
from app.infrastructure.database.migration.inspect.drift import detect_drift
from app.infrastructure.database.migration.setup import build_config, load_scripts
from harness.queries import execute, on_connection

FOREIGN = "CREATE TABLE old_import_log (id INTEGER PRIMARY KEY, note VARCHAR(50))"


def without_prices() -> MetaData:
    """The models as they would be after deleting PriceModel."""
    metadata = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        if table.name != "prices":
            table.to_metadata(metadata)
    return metadata


def test_a_foreign_table_is_listed_but_never_compared(database_url: str) -> None:
    asyncio.run(upgrade_database(database_url=database_url))
    execute(database_url, FOREIGN)
    scripts = load_scripts(build_config(database_url=database_url))

    differences = on_connection(database_url, lambda connection: detect_drift(connection, Base.metadata, scripts))

    assert differences == []
    assert asyncio.run(list_foreign_tables(database_url=database_url)) == ("old_import_log",)


def test_a_table_a_revision_created_is_still_compared_after_its_model_is_deleted(database_url: str) -> None:
    asyncio.run(upgrade_database(database_url=database_url))
    execute(database_url, FOREIGN)
    scripts = load_scripts(build_config(database_url=database_url))

    differences = on_connection(database_url, lambda connection: detect_drift(connection, without_prices(), scripts))

    assert [difference.description for difference in differences][-1] == "drop table prices"
    assert all(difference.table == "prices" for difference in differences)
