"""The post-write hook of plain ``alembic revision`` (``alembic.ini``): format with ruff, then the self-check.

``stockdata migrate revision`` runs the same check in-process. Alembic runs this as ``python -m
app.presentation.cli.revision_hook FILE`` and ignores its exit status, so what it finds is printed: a note when
ruff is missing, one ``Error:`` line (and exit 20) when the file fails its self-check.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path


def main(paths: Sequence[str]) -> int:
    """Format and self-check each revision file in ``paths``; returns the exit code."""
    from app.infrastructure.database.migration.author.selfcheck import check_written
    from app.infrastructure.database.migration.errors import RevisionFileError

    code = 0
    for path in paths:
        try:
            check_written(Path(path), lambda note: print(f"Note: {note}"))
        except RevisionFileError as exc:
            print(f"Error: {exc}", file=sys.stderr)
            code = exc.exit_code
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
