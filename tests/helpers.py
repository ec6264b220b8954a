"""Small helpers the tests share: running commands and reading schemas of real databases."""

from __future__ import annotations

import hashlib
import os
import pty
import select
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from sqlalchemy import inspect, text
from sqlalchemy import table as sql_table
from sqlalchemy.engine import Connection

from app import PROJECT_ROOT
from app.core.config import get_settings
from app.infrastructure.database.connection import get_engine, get_session_factory
from harness.queries import on_connection

TABLES_AT_HEAD = {"alembic_version", "stockdata_migration_history", "listed_info", "prices", "stocks"}
"""Every table of a database at head: the models' and the migration bookkeeping's."""
TABLES_AT_BASE = {"alembic_version", "stockdata_migration_history"}
"""What a downgrade to base leaves: the (empty) bookkeeping tables."""


def clear_application_caches() -> None:
    """Forget the settings, engine and session factory read so far, so the next use reads the environment again."""
    get_settings.cache_clear()
    get_engine.cache_clear()
    get_session_factory.cache_clear()


def run(
    args: list[str | Path],
    *,
    database_url: str | None = None,
    cwd: Path = PROJECT_ROOT,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a command with ``DATABASE_URL`` (when given) and ``env`` added to the environment, capturing its output."""
    environment = {**os.environ, **(env or {})}
    if database_url is not None:
        environment["DATABASE_URL"] = database_url
    return subprocess.run(
        [str(arg) for arg in args], cwd=cwd, env=environment, input=input, capture_output=True, text=True, timeout=300
    )


def invoke(args: list[str], *, database_url: str) -> Result:
    """Run ``stockdata ARGS --database-url URL`` in-process (click's CliRunner: stdin is not a terminal)."""
    from app.presentation.cli.main import cli

    return CliRunner().invoke(cli, [*args, "--database-url", database_url])


def run_in_terminal(
    args: list[str | Path], typed: str, *, database_url: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Like :func:`run`, but with a pseudo-terminal as stdin on which ``typed`` has been typed."""
    env = dict(os.environ)
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    controller, terminal = pty.openpty()
    try:
        os.write(controller, typed.encode())
        return subprocess.run(
            [str(arg) for arg in args], stdin=terminal, env=env, capture_output=True, text=True, timeout=300
        )
    finally:
        os.close(terminal)
        os.close(controller)


def answer_in_terminal(
    args: list[str],
    answer: bytes,
    *,
    prompt: bytes,
    env: Mapping[str, str] | None = None,
    before_answering: Callable[[], None] | None = None,
) -> tuple[int, str]:
    """Run ``args`` on a pseudo-terminal, type ``answer`` once ``prompt`` is shown; return the exit code and output.

    ``before_answering`` runs while the process waits at the prompt (another process may change the database then).
    """
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        args, stdin=terminal, stdout=terminal, stderr=terminal, close_fds=True, env={**os.environ, **(env or {})}
    )
    os.close(terminal)
    output = b""
    answered = False
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([controller], [], [], 1)
            if ready:
                try:
                    chunk = os.read(controller, 4096)
                except OSError:  # the terminal closes when the process exits (EIO on Linux)
                    break
                if not chunk:
                    break
                output += chunk
            if not answered and output.endswith(prompt):
                if before_answering is not None:
                    before_answering()
                os.write(controller, answer + b"\n")
                answered = True
        return process.wait(timeout=60), output.decode().replace("\r\n", "\n")
    finally:
        os.close(controller)
        if process.poll() is None:
            process.kill()


def _reflect(connection: Connection) -> dict[str, Any]:
    inspector = inspect(connection)
    schema: dict[str, Any] = {}
    for table in sorted(inspector.get_table_names()):
        schema[table] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], c.get("default"), c.get("comment"))
                for c in inspector.get_columns(table)
            ],
            "pk": inspector.get_pk_constraint(table),
            "indexes": sorted(
                (i["name"] or "", tuple(i["column_names"]), bool(i["unique"]))
                for i in inspector.get_indexes(table)
                if not i.get("duplicates_constraint")  # PostgreSQL lists a unique constraint's index too
            ),
            "unique": sorted(
                (u["name"] or "", tuple(u["column_names"])) for u in inspector.get_unique_constraints(table)
            ),
            "comment": inspector.get_table_comment(table).get("text") if connection.dialect.supports_comments else None,
        }
    return schema


def reflect_schema(url: str) -> dict[str, Any]:
    """Tables, columns, keys, indexes and comments of the database at ``url``."""
    return on_connection(url, _reflect)


def _row_checksums(connection: Connection) -> dict[str, str]:
    inspector = inspect(connection)
    sums = {}
    for table in sorted(inspector.get_table_names()):
        rows = connection.execute(sa.select(text("*")).select_from(sql_table(table))).all()
        sums[table] = hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest()
    return sums


def snapshot(url: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The schema of the database at ``url`` and a checksum of each table's rows: equal when nothing changed."""
    return reflect_schema(url), on_connection(url, _row_checksums)


@contextmanager
def started(server: AbstractContextManager[str], what: str) -> Iterator[str]:
    """Enter ``server`` (a server of the tests' own) and yield its URL; if it cannot start, skip (fail under CI)."""
    with ExitStack() as stack:
        try:
            url = stack.enter_context(server)
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
            if os.environ.get("CI"):
                pytest.fail(f"{what} did not start in CI: {exc}")
            pytest.skip(f"{what} did not start: {exc}")
        yield url
