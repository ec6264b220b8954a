"""``python -m benchmarks``: run the comparisons, print the table, write the JSON (see README, "Benchmarks")."""

from __future__ import annotations

import argparse
import compileall
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from app.core.config import normalize_database_url
from app.infrastructure.database.migration.setup import SCRIPT_LOCATION
from benchmarks import report
from benchmarks.adoption import compare_adoption
from benchmarks.big_operations import OPERATIONS, slug
from benchmarks.big_tables import compare_big_tables
from benchmarks.chain import write_chain
from benchmarks.comparisons import Setup, compare_chain, compare_check, compare_help, compare_upgrade
from benchmarks.databases import BACKENDS, BackendUnavailableError, Scratch
from benchmarks.measure import CommandFailedError
from benchmarks.read_only import compare_read_only
from benchmarks.rows import Row
from benchmarks.stock import StockAlembic
from harness.databases import postgres_server_url
from harness.queries import scalar

COMPARISONS = ("current", "upgrade", "chain", "check", "help", "adoption", "big-tables")
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PROJECT = Path(__file__).resolve().parent.parent
RESULTS = PROJECT / "benchmarks" / "results"
FULL = {
    "runs": 5,
    "warmup": 1,
    "chain_length": 200,
    "adoption_rows": (1_000, 1_000_000),
    "adoption_runs": 3,
    "big_table_rows": 10_000_000,
    "big_table_runs": 1,
}
QUICK = {
    "runs": 3,
    "warmup": 1,
    "chain_length": 20,
    "adoption_rows": (1_000, 20_000),
    "adoption_runs": 1,
    "big_table_rows": 200_000,
    "big_table_runs": 1,
}
IDLE_SECONDS = 6.0
"""How long the writers' idle latency is sampled before the big-table operations."""


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    """The command line; unset sizes come from the full or the --quick preset."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description="Compare stockdata migrate with plain alembic, side by side."
    )
    parser.add_argument("--quick", action="store_true", help="fewer runs, a 20-revision chain, 20,000 rows")
    parser.add_argument(
        "--backend", action="append", choices=BACKENDS, help="database backend (repeatable; default: both)"
    )
    parser.add_argument("--only", action="append", choices=COMPARISONS, help="comparison (repeatable; default: all)")
    parser.add_argument("--runs", type=int, help="timed runs per command (full 5, quick 3)")
    parser.add_argument("--warmup", type=int, help="untimed rounds before timing (default 1)")
    parser.add_argument("--chain-length", type=int, help="revisions in the generated chain (full 200, quick 20)")
    parser.add_argument(
        "--adoption-rows", type=int, nargs=2, metavar=("FEW", "MANY"), help="rows (full 1000 1000000, quick 1000 20000)"
    )
    parser.add_argument("--adoption-runs", type=int, help="timed adoptions per size (full 3, quick 1)")
    parser.add_argument(
        "--big-table-rows", type=int, help="rows in prices for big-tables (full 10000000, quick 200000)"
    )
    parser.add_argument("--big-table-runs", type=int, help="runs of each big-table operation and form (default 1)")
    parser.add_argument(
        "--big-table-operation",
        action="append",
        choices=[slug(name) for name in OPERATIONS],
        help="big-table operation (repeatable; default: all)",
    )
    parser.add_argument(
        "--postgres-url",
        default=postgres_server_url() or DEFAULT_POSTGRES_URL,
        help="server for the throwaway database (default: TEST_DATABASE_URL, else %(default)s)",
    )
    parser.add_argument("--output", type=Path, help="JSON file to write (default: benchmarks/results/<timestamp>.json)")
    parser.add_argument("--compare", type=Path, metavar="PREVIOUS.json", help="also compare with an earlier run")
    arguments = parser.parse_args(argv)
    for name, value in (QUICK if arguments.quick else FULL).items():
        if getattr(arguments, name) is None:
            setattr(arguments, name, value)
    arguments.backend = tuple(arguments.backend or BACKENDS)
    arguments.only = tuple(arguments.only or COMPARISONS)
    return arguments


def run_backend(arguments: argparse.Namespace, scratch: Scratch, folder: Path) -> list[Row]:
    """Every selected comparison that needs a database, on ``scratch``'s backend."""
    setup = Setup(scratch, arguments.runs, arguments.warmup)
    here = folder / scratch.backend

    def chain() -> list[Row]:
        written = write_chain(here / "chain", arguments.chain_length)
        return compare_chain(setup, written, StockAlembic(here / "stock-chain", written.scripts / "versions"))

    steps: dict[str, Callable[[], list[Row]]] = {
        "current": lambda: compare_read_only(setup),
        "upgrade": lambda: compare_upgrade(setup, StockAlembic(here / "stock", SCRIPT_LOCATION / "versions")),
        "chain": chain,
        "check": lambda: compare_check(setup),
    }
    if scratch.backend == "postgresql":
        few, many = arguments.adoption_rows
        adoption = Setup(scratch, arguments.adoption_runs, arguments.warmup)
        steps["adoption"] = lambda: compare_adoption(adoption, small=few, large=many)
        operations = tuple(name for name in OPERATIONS if slug(name) in (arguments.big_table_operation or [slug(name)]))
        steps["big-tables"] = lambda: compare_big_tables(
            scratch,
            here,
            count=arguments.big_table_rows,
            runs=arguments.big_table_runs,
            idle_seconds=IDLE_SECONDS,
            operations=operations,
        )
    result = []
    for name, step in steps.items():
        if name in arguments.only:
            print(f"… {name} on {scratch.backend}", file=sys.stderr, flush=True)
            result.extend(step())
    return result


def main(argv: list[str] | None = None) -> int:
    """Run, print, write; exit 1 with one line when a command fails or PostgreSQL is unreachable."""
    arguments = parse_arguments(argv)
    postgres_url = normalize_database_url(arguments.postgres_url, source="--postgres-url")
    # Both sides run compiled code: stock Alembic was compiled when pip installed it, and the project (an editable
    # install) is compiled here, as `make setup` does, in case its sources changed since.
    for source in ("app", "alembic"):
        compileall.compile_dir(PROJECT / source, quiet=1)
    load_before = os.getloadavg()
    started = time.strftime("%Y%m%dT%H%M%S")
    rows: list[Row] = []
    postgres_version = None
    try:
        with tempfile.TemporaryDirectory(prefix="stockdata-bench-") as temporary:
            folder = Path(temporary)
            for backend in arguments.backend:
                scratch = Scratch(backend, folder=folder, server_url=postgres_url)
                if backend == "postgresql":
                    postgres_version = str(scalar(postgres_url, "SHOW server_version"))
                try:
                    rows.extend(run_backend(arguments, scratch, folder))
                finally:
                    scratch.close()
        if "help" in arguments.only:
            print("… help", file=sys.stderr, flush=True)
            rows.extend(compare_help(arguments.runs, arguments.warmup))
    except (BackendUnavailableError, CommandFailedError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    names = ("runs", "warmup", "chain_length", "adoption_runs", "big_table_rows", "big_table_runs")
    settings = {name: getattr(arguments, name) for name in names}
    settings |= {"adoption_rows": list(arguments.adoption_rows), "backends": list(arguments.backend)}
    settings["big_table_operations"] = arguments.big_table_operation or "all"
    machine_info = report.machine(postgres_version, load_before)
    print("\n" + "\n".join([*report.header(machine_info), "", *report.table(rows)]))
    output = arguments.output or RESULTS / f"{started}.json"
    report.write(output, report.document(rows, started=started, machine_info=machine_info, settings=settings))
    print(f"\nWritten to {output}.")
    if arguments.compare:
        print(f"\nCompared with {arguments.compare}:")
        print("\n".join(report.comparison(rows, arguments.compare)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
