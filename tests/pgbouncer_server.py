"""A PgBouncer of the tests' own in front of the test PostgreSQL server, started and stopped by a fixture.

It listens on a free local port with its own ini file, user list, log and pid file in a temporary folder, and
pools every database of the server (``* = …``) in the given ``pool_mode``, logging in as the server URL's user
whatever name the client gives (``auth_type = any``). Like the password-checking server it runs as the
``postgres`` OS user when the tests run as root (PgBouncer refuses root).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from tests.password_server import as_server_user, free_port

POOL_SIZE = 2
"""Server sessions per database: more than one, so that a client's transactions really move between them."""


def through(pooler_url: str, database_url: str) -> str:
    """``database_url`` reached through the pooler at ``pooler_url`` (same user, password and database)."""
    pooler = make_url(pooler_url)
    return make_url(database_url).set(host=pooler.host, port=pooler.port).render_as_string(hide_password=False)


def _ini(folder: Path, server_url: str, port: int, pool_mode: str) -> str:
    server = make_url(server_url)
    login = f"user={server.username or 'postgres'}" + (f" password={server.password}" if server.password else "")
    return f"""\
[databases]
* = host={server.host or "127.0.0.1"} port={server.port or 5432} {login}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = any
auth_file = {folder / "userlist.txt"}
pool_mode = {pool_mode}
default_pool_size = {POOL_SIZE}
max_client_conn = 200
logfile = {folder / "pgbouncer.log"}
pidfile = {folder / "pgbouncer.pid"}
"""


def _wait_until_listening(port: int, log: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                tail = log.read_text() if log.exists() else "(no log)"
                raise RuntimeError(f"pgbouncer did not listen on port {port} within 30 s: {tail[-2000:]}") from None
            time.sleep(0.05)


@contextmanager
def pgbouncer(server_url: str, *, pool_mode: str = "transaction") -> Iterator[str]:
    """Run PgBouncer in ``pool_mode`` in front of ``server_url``'s server; yield ``server_url`` through it."""
    binary = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None)
    if binary is None:
        raise RuntimeError("pgbouncer was not found; install it (apt-get install -y pgbouncer)")
    folder = Path(tempfile.mkdtemp(prefix="stockdata-pgbouncer-"))
    try:
        port = free_port()
        (folder / "userlist.txt").write_text('"postgres" ""\n', encoding="utf-8")
        ini = folder / "pgbouncer.ini"
        ini.write_text(_ini(folder, server_url, port, pool_mode), encoding="utf-8")
        if os.geteuid() == 0:
            for path in (folder, ini, folder / "userlist.txt"):
                shutil.chown(path, user="postgres", group="postgres")
        completed = subprocess.run(as_server_user([binary, "-d", str(ini)]), capture_output=True, text=True, timeout=60)
        if completed.returncode != 0:
            raise RuntimeError(f"pgbouncer failed to start ({completed.returncode}): {completed.stderr.strip()}")
        try:
            _wait_until_listening(port, folder / "pgbouncer.log")
            yield make_url(server_url).set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
        finally:
            pid_file = folder / "pgbouncer.pid"
            if pid_file.exists():
                os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
