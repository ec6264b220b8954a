"""6. Adopting a legacy ``listed_info`` (the ``001`` state) with few rows and with many: time, and no rewrite.

The legacy table is built by the archived SQL (as the tests build it), filled with generated rows and vacuumed,
all outside the timing; ``pg_relation_filenode`` before and after tells whether adoption rewrote the table.
Both ``stockdata migrate adopt`` and ``stockdata migrate upgrade`` (which adopts on its own) are measured; the upgrade
goes to the initial revision only, since later revisions may rewrite the table on purpose (the second one does).
"""

from __future__ import annotations

import subprocess
from dataclasses import replace

from app.infrastructure.database.migration.setup import SCRIPT_LOCATION, build_config, load_scripts
from benchmarks import rows
from benchmarks.comparisons import Setup, timed
from benchmarks.measure import Command, CommandFailedError, Sample, Trial, alternate, run_command
from benchmarks.rows import Row
from harness.commands import STOCKDATA
from harness.databases import run_sql_script
from harness.legacy import build_legacy_listed_info
from harness.queries import scalar

FILL = """
INSERT INTO listed_info (date, code, company_name, company_name_english, sector_17_code, sector_17_code_name,
    sector_33_code, sector_33_code_name, scale_category, market_code, market_code_name, margin_code, margin_code_name)
SELECT DATE '2020-01-01' + g / 4000, (1000 + g % 4000)::text, '株式会社' || g, 'Company ' || g, (g % 17)::text,
    '業種 ' || g % 17, (g % 33 * 50)::text, '業種 ' || g % 33, 'TOPIX Small 1', '0111', 'プライム', '2', '貸借'
FROM generate_series(0, {count} - 1) AS g
"""
"""{count} rows, 4,000 codes per date, as J-Quants publishes them."""

FILENODE = "SELECT pg_relation_filenode('listed_info')"


def unattended(command: str) -> list[str] | None:
    """``migrate COMMAND`` with the options it needs to run without a terminal, or ``None`` if there is none."""
    shown = subprocess.run([str(STOCKDATA), "migrate", command, "--help"], capture_output=True, text=True, timeout=60)
    if shown.returncode != 0:
        return None
    return [command, "--yes"] if "--yes" in shown.stdout else [command]


def compare_adoption(setup: Setup, *, small: int, large: int) -> list[Row]:
    """Adopt ``large`` rows vs ``small`` rows, through ``adopt`` and through ``upgrade``; PostgreSQL only.

    The warm-up rounds use ``small`` rows only: they warm the caches, not the disk.
    """
    available = unattended("adopt") is not None
    result = []
    for name in ("adopt", "upgrade"):
        key, title = f"{name}-legacy/postgresql", f"{name} legacy 001: {large:,} vs {small:,} rows"
        args = unattended(name) if available else None
        if args is not None and name == "upgrade":
            args = [*args, _initial_revision()]
        if args is None:
            reason = "`stockdata migrate adopt` is not in this build (issue 4)"
            result.append(rows.unavailable(key, title, "postgresql", rows.ADOPTION, reason))
            continue
        rewritten: list[bool] = []
        few, many = (_trial(setup, count, args, rewritten) for count in (small, large))
        try:
            for _ in range(setup.warmup):
                few()
            rewritten.clear()
            a, b = alternate(many, few, runs=setup.runs, warmup=0)
        except CommandFailedError as exc:
            result.append(rows.unavailable(key, title, "postgresql", rows.ADOPTION, f"failed: {exc}"))
            continue
        row = timed(key, title, "postgresql", a, b, rows.ADOPTION)
        note = "TABLE REWRITTEN (filenode changed)" if any(rewritten) else "no rewrite (same filenode)"
        result.append(replace(row, met=row.met and not any(rewritten), note=note))
    return result


def _initial_revision() -> str:
    """The project's base revision, the one adoption stamps."""
    (base,) = load_scripts(build_config(database_url="", script_location=SCRIPT_LOCATION)).get_bases()
    return str(base)


def _trial(setup: Setup, count: int, args: list[str], rewritten: list[bool]) -> Trial:
    def trial() -> Sample:
        url = setup.scratch.new()
        try:
            build_legacy_listed_info(url, "001")
            run_sql_script(url, FILL.format(count=count))
            run_sql_script(url, "VACUUM ANALYZE listed_info")
            before = scalar(url, FILENODE)
            sample = run_command(Command((str(STOCKDATA), "migrate", *args), {"DATABASE_URL": url}))
            rewritten.append(scalar(url, FILENODE) != before)
            return sample
        finally:
            setup.scratch.discard(url)

    return trial
