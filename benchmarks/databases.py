"""Throwaway databases for the benchmarks: SQLite files in a temporary folder, PostgreSQL databases on a server."""

from __future__ import annotations

import uuid
from pathlib import Path

from app.core.config import mask_url
from harness.databases import create_postgres_database, drop_postgres_database, ping

BACKENDS = ("sqlite", "postgresql")


class BackendUnavailableError(RuntimeError):
    """The PostgreSQL server cannot be reached."""


class Scratch:
    """Creates empty databases on one backend and discards them all at the end."""

    def __init__(self, backend: str, *, folder: Path, server_url: str) -> None:
        self.backend = backend
        self._folder = folder
        self._server_url = server_url
        self._live: list[str] = []
        if backend == "postgresql":
            try:
                ping(server_url)
            except Exception as exc:
                raise BackendUnavailableError(
                    f"PostgreSQL at {mask_url(server_url)} is unreachable ({exc}); start it, pass --postgres-url, "
                    "or run with --backend sqlite"
                ) from exc

    def new(self) -> str:
        """The URL of a new, empty database (for SQLite, a file that does not exist yet)."""
        if self.backend == "sqlite":
            url = f"sqlite+aiosqlite:///{self._folder / f'bench_{uuid.uuid4().hex[:12]}.db'}"
        else:
            url = create_postgres_database(self._server_url, prefix="stockdata_bench")
        self._live.append(url)
        return url

    def discard(self, url: str) -> None:
        """Delete the database of ``url``."""
        self._live.remove(url)
        if self.backend == "sqlite":
            path = Path(url.partition(":///")[2])
            for leftover in (path, path.with_name(path.name + "-journal"), path.with_name(path.name + "-wal")):
                leftover.unlink(missing_ok=True)
        else:
            drop_postgres_database(self._server_url, url)

    def close(self) -> None:
        """Discard every database still alive."""
        for url in list(self._live):
            self.discard(url)
