"""History rows, written straight to the driver (SQLite, and PostgreSQL's literal form), read back exactly as
SQLAlchemy would have written them: quotes, backslashes, Japanese, microseconds and NULLs included."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Connection

from app import __version__
from app.infrastructure.database.migration.bookkeeping import HISTORY
from app.infrastructure.database.migration.guard import history
from app.infrastructure.database.migration.guard.checksums import file_checksum
from harness.queries import on_connection


@pytest.mark.parametrize(
    "revision",
    ["a1b2c3d4e5f6", "it's_odd", "back\\slash", "日本語のリビジョン", "x" * 255],
    ids=lambda value: value[:12],
)
@pytest.mark.parametrize("method", ["upgrade", "backfill"])
def test_a_history_row_reads_back_exactly(database_url: str, tmp_path: Path, revision: str, method: str) -> None:
    script = tmp_path / "revision.py"
    script.write_text('revision = "r"\n')
    seconds = None if method == "backfill" else 1.25

    def write_and_read(connection: Connection) -> tuple[object, ...]:
        with connection.begin():
            connection.execute(select(1))  # the transaction a revision's row is written in has begun on the driver
            HISTORY.create(connection, checkfirst=True)
            history._write(connection, SimpleNamespace(revision=revision, path=str(script)), method, seconds)  # type: ignore[arg-type]
        row = connection.execute(select(HISTORY)).one()
        return tuple(row)

    found = on_connection(database_url, write_and_read)

    assert found[:3] == (revision, file_checksum(script), method)
    applied_at, recorded_at, recorded_seconds, app_version, host = found[3:]
    assert abs(recorded_at - datetime.now(UTC).replace(tzinfo=None)) < timedelta(minutes=5)
    assert applied_at == (None if method == "backfill" else recorded_at)
    assert recorded_seconds == seconds
    assert app_version == __version__
    assert host == socket.gethostname()
