"""Timing the console scripts as child processes (wall time, CPU time, peak memory), A and B taken in turns."""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from app import PROJECT_ROOT
from app.core.config import FIELD_NAMES

# The children get their settings from the benchmark, not from the caller's environment.
SETTINGS_VARIABLES = {name.upper() for name in FIELD_NAMES}


class CommandFailedError(RuntimeError):
    """A measured command exited with a non-zero code; the message ends with its output."""


@dataclass(frozen=True)
class Command:
    """One console-script invocation: its arguments and the environment variables it gets on top of ours."""

    argv: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)

    def shown(self) -> str:
        """The command as a person would type it (without its environment)."""
        return " ".join(Path(self.argv[0]).name if i == 0 else arg for i, arg in enumerate(self.argv))


@dataclass(frozen=True)
class Sample:
    """One timed run: wall-clock seconds, the child's CPU seconds (user + system) and its peak RSS in MiB."""

    seconds: float
    cpu_seconds: float
    max_rss_mib: float


@dataclass(frozen=True)
class Stats:
    """Median, minimum and maximum of several runs (the runs themselves are kept for the JSON)."""

    median: float
    low: float
    high: float
    runs: tuple[float, ...]

    @classmethod
    def of(cls, values: Sequence[float]) -> Stats:
        """Summarise ``values`` (at least one)."""
        return cls(statistics.median(values), min(values), max(values), tuple(values))


def run_command(command: Command) -> Sample:
    """Run ``command`` from the project root (as people run ``alembic``) and measure it; CommandFailedError if it fails.

    ``os.wait4`` reaps the child itself, so its rusage is this child's alone (``RUSAGE_CHILDREN`` would be a
    maximum over every child so far).
    """
    env = {name: value for name, value in os.environ.items() if name not in SETTINGS_VARIABLES} | dict(command.env)
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        process = subprocess.Popen(command.argv, cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            output.seek(0)
            tail = output.read().decode(errors="replace").strip().splitlines()[-5:]
            raise CommandFailedError(f"`{command.shown()}` exited with {process.returncode}: " + " | ".join(tail))
    return Sample(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)  # ru_maxrss: KiB on Linux


Trial = Callable[[], Sample]
"""Prepares whatever a run needs (untimed) and returns the measured run."""


def alternate(*trials: Trial, runs: int, warmup: int) -> list[list[Sample]]:
    """Run the trials in turns (A B A B …, or A B C A B C …) after ``warmup`` untimed rounds; their samples."""
    for _ in range(warmup):
        for trial in trials:
            trial()
    samples: list[list[Sample]] = [[] for _ in trials]
    for _ in range(runs):
        for trial, taken in zip(trials, samples, strict=True):
            taken.append(trial())
    return samples
