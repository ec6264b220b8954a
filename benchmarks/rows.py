"""One line of the results: what was compared, the two sides' figures, the ratio and whether its target is met."""

from __future__ import annotations

import math
from dataclasses import dataclass

from benchmarks.measure import Stats

# The targets: the highest acceptable ratio ours/baseline (the chain's overhead is a fraction). Against
# `alembic` with our env.py, an upgrade measures the command's own overhead; against stock Alembic it also
# measures our env.py, whose one transaction per revision is what should make SQLite faster.
CURRENT = 0.50
UPGRADE = 1.10
UPGRADE_STOCK = {"postgresql": 1.00, "sqlite": 0.80}  # issue 15: no slower than stock Alembic, every guard on
CHECK = 1.10
HELP = 0.25
PER_REVISION_OVERHEAD = 0.05
ADOPTION = 1.50
PEAK_RSS = 1.20


def shown(value: float, kind: str) -> str:
    """A ratio as ``1.03x``, an overhead as ``+3.1 %``."""
    return f"{value * 100:+.1f} %" if kind == "overhead" else f"{value:.2f}x"


@dataclass(frozen=True)
class Row:
    """A comparison of ``ours`` with ``baseline`` on one backend (``-`` when no database is involved).

    ``value`` is ours/baseline, or ours/baseline - 1 for ``kind="overhead"``. ``met`` is ``None`` when the
    comparison could not run or could not be computed (``note`` says why). Timed rows also carry the children's
    CPU seconds: their ratio is steadier than wall time on a busy machine, and leaves out the database's own work.
    """

    key: str
    title: str
    backend: str
    unit: str
    ours: Stats | None
    baseline: Stats | None
    value: float | None
    limit: float
    met: bool | None
    kind: str = "ratio"
    note: str = ""
    ours_cpu: Stats | None = None
    baseline_cpu: Stats | None = None

    def shown_cpu(self) -> str:
        """The ratio (or overhead) of the CPU medians, ``-`` when not measured."""
        if self.ours_cpu is None or self.baseline_cpu is None:
            return "-"
        ratio = self.ours_cpu.median / self.baseline_cpu.median
        return shown(ratio - 1 if self.kind == "overhead" else ratio, self.kind)

    def shown_value(self) -> str:
        """The ratio or overhead, ``-`` when there is none."""
        return "-" if self.value is None else shown(self.value, self.kind)

    def shown_target(self) -> str:
        """The target as ``<= 1.10x`` or ``<= +5.0 %``; ``-`` for a row without one (``limit`` infinite)."""
        return "-" if math.isinf(self.limit) else f"<= {shown(self.limit, self.kind)}"


def compared(
    key: str,
    title: str,
    backend: str,
    ours: Stats,
    baseline: Stats,
    limit: float,
    *,
    unit: str = "s",
    cpu: tuple[Stats, Stats] | None = None,
) -> Row:
    """A row whose value is the ratio of the two medians (``cpu``: the same runs' CPU seconds, when timed)."""
    value = ours.median / baseline.median if baseline.median else math.inf
    ours_cpu, baseline_cpu = cpu or (None, None)
    met = None if math.isinf(limit) else value <= limit
    return Row(key, title, backend, unit, ours, baseline, value, limit, met, "ratio", "", ours_cpu, baseline_cpu)


def unavailable(key: str, title: str, backend: str, limit: float, reason: str, *, kind: str = "ratio") -> Row:
    """A row for a comparison that could not run, saying why."""
    return Row(key, title, backend, "s", None, None, None, limit, None, kind, note=f"not available: {reason}")
