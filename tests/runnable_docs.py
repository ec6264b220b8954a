"""The documentation's runnable shell blocks: found in Markdown, and run the way a reader would run them.

A fenced block whose info string is exactly ``sh runnable`` is runnable (CONTRIBUTING.md describes the
convention). It runs under ``bash -euo pipefail``, so every command in it must exit 0.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from app import PROJECT_ROOT

GUIDES = (PROJECT_ROOT / "docs" / "migrations.md", PROJECT_ROOT / "docs" / "migrations.en.md")
RUNNABLE_INFO = ["sh", "runnable"]
_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")


@dataclass(frozen=True)
class Block:
    """A runnable block: where it starts (``docs/x.md:12``) and its text."""

    source: str
    text: str

    def commands(self) -> list[list[str]]:
        """The block's commands as words, comments left out (what must match between the guide's twins)."""
        return [words for line in self.text.splitlines() if (words := shlex.split(line, comments=True))]


def runnable_blocks(path: Path) -> list[Block]:
    """Every ``sh runnable`` block of the Markdown file at ``path``, in order."""
    blocks: list[Block] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    opening: re.Match[str] | None = None
    start, body = 0, []
    for number, line in enumerate(lines, start=1):
        fence = _FENCE.match(line)
        if opening is None:
            if fence:
                opening, start, body = fence, number, []
        elif fence and not fence["info"] and fence["fence"].startswith(opening["fence"]):
            if opening["info"].split() == RUNNABLE_INFO:
                blocks.append(Block(f"{_shown(path)}:{start}", "\n".join(body) + "\n"))
            opening = None
        else:
            body.append(line.removeprefix(opening["indent"]))
    return blocks


def _shown(path: Path) -> str:
    return str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else str(path)


def run_block(block: Block, *, database_url: str, workspace: Path) -> subprocess.CompletedProcess[str]:
    """Run ``block`` in ``workspace`` against ``database_url``, with the installed console scripts on PATH.

    ``workspace`` holds a copy of ``alembic.ini`` and the scripts folder, so that a block that writes a revision
    writes it there, never into the checkout.
    """
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MIGRATION_SCRIPT_LOCATION": str(workspace / "alembic"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", block.text],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
