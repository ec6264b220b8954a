"""Fixtures shared by every test tier: throwaway SQLite files and PostgreSQL databases.

PostgreSQL comes from ``TEST_DATABASE_URL`` (e.g. ``postgresql://postgres@127.0.0.1:5432/postgres``); each test
gets its own database, created and dropped around it. Without ``TEST_DATABASE_URL`` the PostgreSQL cases are
skipped locally, but when ``CI`` is set they fail instead: CI must never pass without PostgreSQL.

Tests about PgBouncer use ``pgbouncer_transaction`` / ``pgbouncer_session``: a PgBouncer of the tests' own in
front of that server, in transaction or session pooling mode; missing ``pgbouncer`` fails them under ``CI`` too.

Tests about passwords use ``password_url`` instead: a database on a server of the tests' own that checks passwords
(``scram-sha-256``), whose superuser's password is ``tests.passwords.PASSWORD``; it fails under ``CI`` too.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.core.config import get_settings
from harness.databases import create_postgres_database, drop_postgres_database, ping, postgres_server_url
from tests.helpers import clear_application_caches, started
from tests.password_server import password_checking_server
from tests.passwords import PASSWORD
from tests.pgbouncer_server import pgbouncer
from tests.scripts_folder import add_notes_revision, cli_uses, copy_scripts

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(autouse=True, scope="session")
def _never_touch_the_default_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Point settings at a throwaway file, so nothing a test runs can reach the real default database."""
    guard = tmp_path_factory.mktemp("default") / "guard.db"
    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = f"sqlite:///{guard}"
    clear_application_caches()
    yield
    if previous is None:
        os.environ.pop("DATABASE_URL", None)
    else:
        os.environ["DATABASE_URL"] = previous
    clear_application_caches()


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """URL of the PostgreSQL server for throwaway databases; fails (never skips) under CI when unavailable."""
    url = postgres_server_url()
    in_ci = bool(os.environ.get("CI"))
    if url is None:
        if in_ci:
            pytest.fail("TEST_DATABASE_URL is not set, but CI is: the PostgreSQL tests must run in CI")
        pytest.skip("TEST_DATABASE_URL is not set")
    try:
        ping(url)
    except Exception as exc:
        if in_ci:
            pytest.fail(f"PostgreSQL at TEST_DATABASE_URL is unreachable in CI: {exc}")
        pytest.skip(f"PostgreSQL at TEST_DATABASE_URL is unreachable: {exc}")
    return url


@pytest.fixture(scope="session")
def password_server() -> Iterator[str]:
    """URL of the password-checking server (superuser, :data:`PASSWORD`); fails (never skips) under CI."""
    with started(password_checking_server(PASSWORD), "the password-checking PostgreSQL server") as url:
        yield url


def _pgbouncer(server_url: str, pool_mode: str) -> Iterator[str]:
    with started(pgbouncer(server_url, pool_mode=pool_mode), "PgBouncer") as url:
        yield url


@pytest.fixture(scope="session")
def pgbouncer_transaction(postgres_server: str) -> Iterator[str]:
    """``postgres_server`` through a PgBouncer in ``pool_mode = transaction``; fails (never skips) under CI."""
    yield from _pgbouncer(postgres_server, "transaction")


@pytest.fixture(scope="session")
def pgbouncer_session(postgres_server: str) -> Iterator[str]:
    """``postgres_server`` through a PgBouncer in ``pool_mode = session``; fails (never skips) under CI."""
    yield from _pgbouncer(postgres_server, "session")


@pytest.fixture
def password_url(password_server: str) -> Iterator[str]:
    """URL of a fresh database on the password-checking server, with :data:`PASSWORD` URL-encoded in it."""
    url = create_postgres_database(password_server)
    yield url
    drop_postgres_database(password_server, url)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """URL of a fresh, empty SQLite file (0 bytes: an empty database, as ``postgres_url`` is an empty one)."""
    path = tmp_path / "stockdata-test.db"
    path.touch()  # read-only commands refuse a file that does not exist, as they would a mistyped path
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """URL of a fresh, empty PostgreSQL database, dropped after the test."""
    url = create_postgres_database(postgres_server)
    yield url
    drop_postgres_database(postgres_server, url)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest) -> str:
    """A fresh empty database on each backend in turn."""
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture
def scripts(tmp_path: Path) -> Path:
    """A copy of the project's scripts folder that a test may add revisions to."""
    return copy_scripts(tmp_path)


@pytest.fixture
def notes_scripts(scripts: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """``scripts`` plus a second revision (NOTES), also used by the CLI (``MIGRATION_SCRIPT_LOCATION``)."""
    yield from cli_uses(add_notes_revision(scripts), monkeypatch)


@pytest.fixture
def migration_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Set ``MIGRATION_*`` settings for this test."""

    def apply(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    yield apply
    get_settings.cache_clear()
