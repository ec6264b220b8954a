"""The legacy hand-run SQL scripts, as the tests replay them to build legacy databases."""

from __future__ import annotations

from app import PROJECT_ROOT
from tests.databases import run_sql_script

ARCHIVE = PROJECT_ROOT / "sql" / "migrations_archive"
LEGACY_SCRIPTS = {
    "001": ["001_create_listed_info_table.sql"],
    "002": ["001_create_listed_info_table.sql", "002_alter_listed_info_code_length.sql"],
    "003": [
        "001_create_listed_info_table.sql",
        "002_alter_listed_info_code_length.sql",
        "003_alter_listed_info_code_length_10.sql",
    ],
}


def build_legacy_listed_info(url: str, level: str) -> None:
    """Run the archived scripts up to ``level`` (``001``, ``002`` or ``003``) on the PostgreSQL database at ``url``."""
    for name in LEGACY_SCRIPTS[level]:
        run_sql_script(url, (ARCHIVE / name).read_text())
