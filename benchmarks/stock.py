"""Alembic as it comes: the env.py that ``alembic init -t async`` writes, running the same revision files.

This is the baseline of the issue's SQLite target: stock Alembic lets the sqlite3 driver commit every DDL
statement on its own, where stockdata runs each revision as one transaction. It also keeps PostgreSQL's default of
one transaction for the whole run, where stockdata commits after each revision.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from benchmarks.measure import Command
from harness.commands import ALEMBIC


class StockAlembic:
    """A scripts folder made by ``alembic init -t async`` holding copies of ``versions``' revision files."""

    def __init__(self, folder: Path, versions: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.alembic_ini = folder / "alembic.ini"
        scripts = folder / "scripts"
        subprocess.run(
            [str(ALEMBIC), "-c", str(self.alembic_ini), "init", "-t", "async", str(scripts)],
            check=True,
            capture_output=True,
        )
        for revision in versions.glob("*.py"):
            shutil.copy2(revision, scripts / "versions")

    def upgrade(self, url: str) -> Command:
        """``alembic upgrade head`` on ``url``, written into the ini as ``sqlalchemy.url`` (outside the timing)."""
        ini = self.alembic_ini.read_text()
        line = "sqlalchemy.url = " + url.replace("%", "%%")  # configparser interpolates %
        self.alembic_ini.write_text(re.sub(r"(?m)^sqlalchemy\.url = .*$", lambda _: line, ini))
        return Command((str(ALEMBIC), "-c", str(self.alembic_ini), "upgrade", "head"))
