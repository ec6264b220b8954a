"""Running squawk, the PostgreSQL migration linter, with the project's ``.squawk.toml`` on rendered SQL files."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from app import PROJECT_ROOT
from app.infrastructure.database.migration.errors import MigrationError, MigrationSetupError

SQUAWK_CONFIG = PROJECT_ROOT / ".squawk.toml"


@dataclass(frozen=True)
class Violation:
    """One rule squawk says a statement breaks."""

    file: Path
    line: int
    """1-based line in ``file``."""
    rule: str
    message: str


def squawk_binary() -> Path:
    """The ``squawk`` executable: beside this Python (the virtualenv's, from squawk-cli), else on PATH."""
    found = shutil.which("squawk", path=str(Path(sys.executable).parent)) or shutil.which("squawk")
    if found is None:
        raise MigrationSetupError(
            "squawk, the SQL linter behind `migrate lint`, is not installed; install the development tools with "
            "`pip install -e '.[dev]'` (package squawk-cli)"
        )
    return Path(found)


def run_squawk(files: Sequence[Path]) -> list[Violation]:
    """Lint ``files`` with the project's configuration; every violation, in squawk's order."""
    if not SQUAWK_CONFIG.is_file():
        raise MigrationSetupError(f"squawk configuration not found at {SQUAWK_CONFIG}; restore .squawk.toml")
    command = [str(squawk_binary()), "--config", str(SQUAWK_CONFIG), "--reporter", "json", *map(str, files)]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    try:
        reported = json.loads(completed.stdout)
    except json.JSONDecodeError:
        reported = None
    if completed.returncode not in (0, 1) or not isinstance(reported, list):
        reason = (completed.stderr.strip() or completed.stdout.strip() or f"exit {completed.returncode}").splitlines()
        raise MigrationError(f"squawk failed: {reason[0]}; run it by hand to see why: {' '.join(command)}")
    return [
        Violation(Path(item["file"]), int(item["line"]) + 1, item["rule_name"], _message(item)) for item in reported
    ]


def _message(item: dict[str, str | None]) -> str:
    message = (item.get("message") or "").strip().rstrip(".")
    advice = (item.get("help") or "").strip().rstrip(".")
    return f"{message}. {advice}." if advice else f"{message}."
