"""The comparisons of ``stockdata migrate`` with plain ``alembic``: upgrade, the long chain, check, --help (the
read-only commands are in :mod:`benchmarks.read_only`).

Both sides run the same revisions through the project's env.py on the same kind of database; "plain" is the
``alembic`` console script with the project's alembic.ini (or the chain's copy of it). Upgrades are also timed
with stock Alembic (see :mod:`benchmarks.stock`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.infrastructure.database.migration.setup import ALEMBIC_INI
from benchmarks import rows
from benchmarks.chain import Chain
from benchmarks.databases import Scratch
from benchmarks.measure import Command, Sample, Stats, Trial, alternate, run_command
from benchmarks.profile import profile_upgrade
from benchmarks.rows import Row
from benchmarks.stock import StockAlembic
from harness.commands import ALEMBIC, STOCKDATA


@dataclass(frozen=True)
class Setup:
    """How many runs to time, and on which throwaway databases."""

    scratch: Scratch
    runs: int
    warmup: int

    def alternate(self, *trials: Trial) -> list[list[Sample]]:
        """The trials' samples, taken in turns."""
        return alternate(*trials, runs=self.runs, warmup=self.warmup)


def ours(*args: str, url: str = "", chain: Chain | None = None) -> Command:
    """``stockdata migrate ARGS`` on ``url`` (and on the chain's scripts folder, if given)."""
    env = {"DATABASE_URL": url} if url else {}
    if chain is not None:
        env["MIGRATION_SCRIPT_LOCATION"] = str(chain.scripts)
    return Command((str(STOCKDATA), "migrate", *args), env)


def plain(*args: str, url: str = "", chain: Chain | None = None) -> Command:
    """``alembic -c INI ARGS`` on ``url``, with the project's alembic.ini or the chain's."""
    ini = chain.alembic_ini if chain is not None else ALEMBIC_INI
    return Command((str(ALEMBIC), "-c", str(ini), *args), {"DATABASE_URL": url} if url else {})


def on(command: Command) -> Trial:
    """A trial that just runs ``command``."""
    return lambda: run_command(command)


def from_empty(scratch: Scratch, command: Callable[[str], Command]) -> Trial:
    """A trial that runs ``command(url)`` on a new empty database, created and discarded outside the timing."""

    def trial() -> Sample:
        url = scratch.new()
        try:
            return run_command(command(url))
        finally:
            scratch.discard(url)

    return trial


def timed(key: str, title: str, backend: str, ours: list[Sample], baseline: list[Sample], limit: float) -> Row:
    """A row comparing the wall-clock times of two sets of runs, with their CPU times beside."""
    cpu = (Stats.of([run.cpu_seconds for run in ours]), Stats.of([run.cpu_seconds for run in baseline]))
    return rows.compared(key, title, backend, _seconds(ours), _seconds(baseline), limit, cpu=cpu)


def peak_rss(key: str, title: str, backend: str, ours: list[Sample], baseline: list[Sample]) -> Row:
    """A row comparing the peak resident set sizes of two sets of runs."""
    ours_rss, baseline_rss = (Stats.of([run.max_rss_mib for run in runs]) for runs in (ours, baseline))
    return rows.compared(key, title, backend, ours_rss, baseline_rss, rows.PEAK_RSS, unit="MiB")


def _seconds(samples: list[Sample]) -> Stats:
    return Stats.of([sample.seconds for sample in samples])


def at_head(setup: Setup, command: str, chain: Chain | None = None, *arguments: str) -> list[list[Sample]]:
    """``stockdata migrate COMMAND`` and ``alembic COMMAND [ARGUMENTS]``, in turns on one database upgraded to head."""
    url = setup.scratch.new()
    try:
        run_command(plain("upgrade", "head", url=url, chain=chain))
        baseline = plain(command, *arguments, url=url, chain=chain)
        return setup.alternate(on(ours(command, url=url, chain=chain)), on(baseline))
    finally:
        setup.scratch.discard(url)


def compare_upgrade(setup: Setup, stock: StockAlembic) -> list[Row]:
    """2. and 7. ``stockdata migrate upgrade`` vs ``alembic upgrade head`` from empty (and stock Alembic): time, RSS."""
    backend = setup.scratch.backend
    a, b, c = setup.alternate(
        from_empty(setup.scratch, lambda url: ours("upgrade", url=url)),
        from_empty(setup.scratch, lambda url: plain("upgrade", "head", url=url)),
        from_empty(setup.scratch, stock.upgrade),
    )
    title = "upgrade from empty"
    return [
        timed(f"upgrade/{backend}", f"{title} (vs alembic)", backend, a, b, rows.UPGRADE),
        timed(f"upgrade-stock/{backend}", f"{title} (vs stock Alembic)", backend, a, c, rows.UPGRADE_STOCK[backend]),
        peak_rss(f"upgrade-rss/{backend}", f"peak RSS, {title}", backend, a, b),
    ]


def compare_chain(setup: Setup, chain: Chain, stock: StockAlembic) -> list[Row]:
    """3. current and upgrade on a long generated chain, the per-revision overhead, upgrade's memory and profile."""
    backend = setup.scratch.backend
    current_a, current_b = at_head(setup, "current", chain)
    idle_a, idle_b = at_head(setup, "upgrade", chain, "head")
    upgrade_a, upgrade_b, upgrade_c = setup.alternate(
        from_empty(setup.scratch, lambda url: ours("upgrade", url=url, chain=chain)),
        from_empty(setup.scratch, lambda url: plain("upgrade", "head", url=url, chain=chain)),
        from_empty(setup.scratch, stock.upgrade),
    )
    key, name = "chain-{}/" + backend, f"{chain.length}-revision chain"
    current = timed(key.format("current"), f"current, {name}", backend, current_a, current_b, rows.CURRENT)
    upgrade = timed(key.format("upgrade"), f"upgrade, {name} (vs alembic)", backend, upgrade_a, upgrade_b, rows.UPGRADE)
    return [
        current,
        upgrade,
        timed(
            key.format("upgrade-stock"),
            f"upgrade, {name} (vs stock Alembic)",
            backend,
            upgrade_a,
            upgrade_c,
            rows.UPGRADE_STOCK[backend],
        ),
        per_revision(timed("", "", backend, idle_a, idle_b, rows.UPGRADE), upgrade, chain.length),
        peak_rss(key.format("upgrade-rss"), f"peak RSS, upgrade, {name}", backend, upgrade_a, upgrade_b),
        profile_upgrade(setup.scratch, chain),
    ]


def per_revision(current: Row, upgrade: Row, length: int) -> Row:
    """The cost of one revision, (upgrade - upgrade at head) / length on each side, and ours' overhead over plain's.

    Subtracting an upgrade with nothing to apply (``current``: the same command on the same chain, at head) removes
    what every upgrade pays once: start-up, reading the scripts, connecting, the guards. (``stockdata migrate
    current`` no longer pays the same start-up as ``upgrade``, so it cannot serve.) The same is done with CPU
    seconds. On a short chain the difference drowns in noise, and no overhead is computed.
    """
    title = "per-revision cost, (upgrade - upgrade at head) / revisions"
    key = f"chain-per-revision/{current.backend}"
    ours_ms = _per_revision_ms(current.ours, upgrade.ours, length)
    plain_ms = _per_revision_ms(current.baseline, upgrade.baseline, length)
    if ours_ms.median <= 0 or plain_ms.median <= 0:
        reason = "upgrade was not slower than current: the chain is too short to tell revisions from noise"
        return rows.unavailable(key, title, current.backend, rows.PER_REVISION_OVERHEAD, reason, kind="overhead")
    overhead = ours_ms.median / plain_ms.median - 1
    return Row(
        key,
        title,
        current.backend,
        "ms",
        ours_ms,
        plain_ms,
        overhead,
        rows.PER_REVISION_OVERHEAD,
        overhead <= rows.PER_REVISION_OVERHEAD,
        kind="overhead",
        ours_cpu=_per_revision_ms(current.ours_cpu, upgrade.ours_cpu, length),
        baseline_cpu=_per_revision_ms(current.baseline_cpu, upgrade.baseline_cpu, length),
    )


def _per_revision_ms(current: Stats | None, upgrade: Stats | None, length: int) -> Stats:
    assert current is not None and upgrade is not None  # noqa: PT018 (both come from timed rows)
    return Stats.of([(upgrade.median - current.median) / length * 1000])


def compare_check(setup: Setup) -> list[Row]:
    """4. ``stockdata migrate check`` vs ``alembic check`` on a database at head."""
    backend = setup.scratch.backend
    a, b = at_head(setup, "check")
    title = "check at head (vs alembic check)"
    return [timed(f"check/{backend}", title, backend, a, b, rows.CHECK)]


def compare_help(runs: int, warmup: int) -> list[Row]:
    """5. Start-up: ``stockdata --help`` and ``stockdata migrate --help`` vs ``alembic --help``."""
    alembic_help = on(Command((str(ALEMBIC), "--help")))
    result = []
    for key, args in (("help", ("--help",)), ("migrate-help", ("migrate", "--help"))):
        a, b = alternate(on(Command((str(STOCKDATA), *args))), alembic_help, runs=runs, warmup=warmup)
        title = f"stockdata {' '.join(args)} (vs alembic --help)"
        result.append(timed(key, title, "-", a, b, rows.HELP))
    return result
