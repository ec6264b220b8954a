"""A PostgreSQL server of the tests' own that checks passwords (``scram-sha-256``), started and stopped by a fixture.

The shared test server (``TEST_DATABASE_URL``) trusts local connections, so it accepts a mis-decoded password
just as well as the right one; this one refuses it. It runs as the invoking user, or as the ``postgres`` OS user
when the tests run as root (``initdb`` refuses root), from a temporary folder that user owns.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from harness.databases import create_postgres_database, drop_postgres_database
from harness.queries import execute, scalar

SUPERUSER = "postgres"


def postgres_bin() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``: from ``PATH``, else the newest ``/usr/lib/postgresql/*/bin``."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent
    folders = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda folder: int(folder.split("/")[-2]))
    return Path(folders[-1]) if folders and (Path(folders[-1]) / "initdb").exists() else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _run(command: list[str]) -> None:
    completed = subprocess.run(as_server_user(command), capture_output=True, text=True, timeout=120)
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({completed.returncode}): {completed.stderr.strip()}")


@contextmanager
def password_checking_server(superuser_password: str, *, settings: Sequence[str] = ()) -> Iterator[str]:
    """Run a fresh server that authenticates every connection by ``scram-sha-256``; yield its superuser's URL.

    ``settings`` are extra ``name=value`` server settings.
    """
    binaries = postgres_bin()
    if binaries is None:
        raise RuntimeError("initdb was not found on PATH or in /usr/lib/postgresql/*/bin; install PostgreSQL")
    folder = Path(tempfile.mkdtemp(prefix="stockdata-scram-"))
    try:
        if os.geteuid() == 0:
            shutil.chown(folder, user="postgres", group="postgres")
        password_file = folder / "password"
        password_file.write_text(superuser_password + "\n", encoding="utf-8")
        if os.geteuid() == 0:
            shutil.chown(password_file, user="postgres", group="postgres")
        data, port = folder / "data", free_port()
        _run(
            [
                str(binaries / "initdb"),
                f"--pgdata={data}",
                f"--username={SUPERUSER}",
                f"--pwfile={password_file}",
                "--auth=scram-sha-256",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
            ]
        )
        options = " ".join(
            [f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"]
            + [f"-c {setting}" for setting in settings]
        )
        _run([str(binaries / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-o", options, "-w", "start"])
        try:
            url = make_url(f"postgresql://{SUPERUSER}@127.0.0.1:{port}/postgres").set(password=superuser_password)
            yield url.render_as_string(hide_password=False)
        finally:
            _run([str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"])
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def crash_and_restart(server_url: str) -> None:
    """``kill -9`` every process of a server started by :func:`password_checking_server`, then start it again.

    The server loses what a crash loses (the WAL it had not yet written out of its shared memory) and recovers from
    the WAL on disk when it starts.
    """
    data = Path(str(scalar(server_url, "SHOW data_directory")))
    postmaster = int((data / "postmaster.pid").read_text().split()[0])
    children = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True, text=True, check=False).stdout
    processes = [postmaster, *(int(pid) for pid in children.split())]
    for pid in processes:
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in processes):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server's processes {processes} outlived kill -9")
        time.sleep(0.05)
    (data / "postmaster.pid").unlink()
    binaries = postgres_bin()
    assert binaries is not None  # it started the server
    # ``restart`` starts it with the options it last ran with (postmaster.opts).
    _run([str(binaries / "pg_ctl"), "-D", str(data), "-l", str(data.parent / "log"), "-w", "restart"])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@contextmanager
def role_with_password(server_url: str, password: str) -> Iterator[str]:
    """A new login role with ``password`` and an empty database it owns; yield the URL (password encoded)."""
    name = f"stockdata_role_{uuid.uuid4().hex[:12]}"
    execute(server_url, f'CREATE ROLE "{name}" LOGIN PASSWORD {_literal(password)}')
    database = create_postgres_database(server_url, prefix=name)
    execute(database, f'ALTER DATABASE "{make_url(database).database}" OWNER TO "{name}"')
    execute(database, f'ALTER SCHEMA public OWNER TO "{name}"')
    try:
        url = make_url(database).set(username=name, password=password, drivername="postgresql")
        yield url.render_as_string(hide_password=False)
    finally:
        drop_postgres_database(server_url, database)
        execute(server_url, f'DROP ROLE "{name}"')
