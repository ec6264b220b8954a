"""Legacy databases as the archived hand-run SQL scripts built them."""

from __future__ import annotations

from app.infrastructure.database.migration.adopt.replay import LEGACY_ARCHIVE, legacy_scripts
from harness.databases import run_sql_script

LEGACY_SCRIPTS = {
    path.name[:3]: [earlier.name for earlier in legacy_scripts()[: number + 1]]
    for number, path in enumerate(legacy_scripts())
}
"""For each level (``001``, ``002``, ``003``), the scripts a database at that level ran, in order."""


def build_legacy_listed_info(url: str, level: str, *, start: str = "001") -> None:
    """Run the archived scripts from ``start`` up to ``level`` (``001``, ``002``, ``003``) on a PostgreSQL database."""
    for name in LEGACY_SCRIPTS[level]:
        if name[:3] >= start:
            run_sql_script(url, (LEGACY_ARCHIVE / name).read_text())
