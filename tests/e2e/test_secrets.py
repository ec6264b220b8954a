"""Adversarial checks for secrets: passwords with every awkward character work, and no part of one is ever shown.

Everything runs on the password-checking server (``scram-sha-256``, tests/password_server.py), through the installed
``stockdata`` and ``alembic`` scripts and the API, so a password that is decoded wrongly fails to connect. "Shown"
means anywhere: the one-line error, the ``-v`` traceback, ``--json``, plain ``alembic``'s output and logs, and the
API's exceptions with their whole chain.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import make_url

from app.core.errors import ConfigurationError
from app.infrastructure.database.migration import get_status, upgrade_database
from app.infrastructure.database.migration.errors import DatabaseUnreachableError
from harness.commands import ALEMBIC, STOCKDATA
from tests.cli.invocation import TRACEBACK
from tests.helpers import run
from tests.password_server import role_with_password
from tests.passwords import PASSWORD, reveals_password
from tests.scripts_folder import project_head

HEAD = project_head()
ENCODED_PASSWORDS = {
    "at-sign %40": "Qz7@Wk4",
    "percent %25": "Qz7%41Wk4",  # written Qz7%2541Wk4: decoded twice, it would become Qz7AWk4
    "slash %2F": "Qz7/Wk4",
    "katakana": "Qzパス7",
}


@pytest.fixture(params=sorted(ENCODED_PASSWORDS), ids=sorted(ENCODED_PASSWORDS))
def role(request: pytest.FixtureRequest, password_server: str) -> Iterator[tuple[str, str]]:
    """A role whose password needs URL-encoding, and the URL of an empty database it owns."""
    password = ENCODED_PASSWORDS[request.param]
    with role_with_password(password_server, password) as url:
        yield password, url


def stockdata(*args: str, url: str) -> tuple[int, str, str]:
    """Run the installed ``stockdata migrate ARGS`` with ``DATABASE_URL`` set to ``url``."""
    completed = run([STOCKDATA, "migrate", *args], database_url=url)
    return completed.returncode, completed.stdout, completed.stderr


def alembic(*args: str, url: str) -> tuple[int, str, str]:
    """Run the installed plain ``alembic ARGS`` with ``DATABASE_URL`` set to ``url``."""
    completed = run([ALEMBIC, *args], database_url=url)
    return completed.returncode, completed.stdout, completed.stderr


def wrong(url: str) -> str:
    """``url`` with a password that differs from the right one in its last character only."""
    parsed = make_url(url)
    password = str(parsed.password)
    return parsed.set(password=password[:-1] + ("X" if password[-1] != "X" else "Y")).render_as_string(
        hide_password=False
    )


def test_encoded_passwords_connect_for_stockdata_the_api_and_plain_alembic(role: tuple[str, str]) -> None:
    password, url = role
    assert "%" in url.split("@")[0], url  # the URL really carries the password encoded

    code, stdout, stderr = stockdata("upgrade", url=url)
    status = asyncio.run(get_status(database_url=url))
    alembic_code, alembic_out, alembic_err = alembic("current", url=url)

    assert code == 0, stderr
    assert status.current == (HEAD,)
    assert not status.pending
    assert alembic_code == 0, alembic_err
    assert f"{HEAD} (head)" in alembic_out
    for text in (stdout, stderr, alembic_out, alembic_err):
        assert not reveals_password(text, password), text


def test_a_wrong_password_is_one_line_exit_4_with_no_password(role: tuple[str, str]) -> None:
    password, url = role
    bad = wrong(url)

    code, stdout, stderr = stockdata("upgrade", url=bad)
    verbose_code, _, verbose_stderr = stockdata("upgrade", "-v", url=bad)
    with pytest.raises(DatabaseUnreachableError) as raised:
        asyncio.run(upgrade_database(database_url=bad))

    assert code == 4, stderr
    assert stderr.count("\n") == 1, stderr
    assert stderr.startswith("Error: cannot connect to PostgreSQL database"), stderr
    assert "password authentication failed" in stderr
    assert ":***@" in stderr
    assert verbose_code == 4
    assert TRACEBACK in verbose_stderr
    for text in (stdout, stderr, verbose_stderr, _chain(raised.value)):
        assert not reveals_password(text, password), text
        assert not reveals_password(text, str(make_url(bad).password)), text


def test_the_awkward_password_never_shows_in_output_json_tracebacks_or_plain_alembic(password_url: str) -> None:
    assert make_url(password_url).password == PASSWORD
    runs = [
        stockdata("upgrade", "-v", url=password_url),
        stockdata("status", "--json", url=password_url),
        stockdata("check", "-v", url=password_url),
        stockdata("downgrade", "-1", "--yes", "--json", url=password_url),
        alembic("upgrade", "head", url=password_url),
        alembic("current", "--verbose", url=password_url),
        alembic("-x", f"url={password_url}", "history", "--verbose", url="sqlite:///unused.db"),
    ]
    failures = [
        stockdata("upgrade", "-v", url=wrong(password_url)),
        stockdata("upgrade", "-v", "fedcba987654", url=password_url),
        stockdata("upgrade", "-v", url=make_url(password_url).set(port=1).render_as_string(hide_password=False)),
        alembic("current", url=wrong(password_url)),
    ]

    assert [code for code, _, _ in runs] == [0] * len(runs), runs
    assert json.loads(runs[1][1])["current"] == [HEAD]
    assert [code for code, _, _ in failures] == [4, 5, 4, 1], failures
    for _, stdout, stderr in runs + failures:
        assert not reveals_password(stdout + stderr), stdout + stderr
        assert not reveals_password(stdout + stderr, PASSWORD[:-1] + "X"), stdout + stderr


def raw(url: str) -> str:
    """``url`` with :data:`PASSWORD` written raw, unencoded, as a careless user pastes it."""
    parsed = make_url(url)
    return f"postgresql://{parsed.username}:{PASSWORD}@{parsed.host}:{parsed.port}/{parsed.database}"


@pytest.mark.parametrize("verbose", [[], ["-v"]], ids=["plain", "verbose"])
def test_a_raw_awkward_password_is_refused_everywhere_without_showing_any_of_it(
    password_url: str, verbose: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    url = raw(password_url)
    results = [
        run([STOCKDATA, "migrate", "upgrade", *verbose, "--database-url", url]),
        run([STOCKDATA, "migrate", "status", "--json", *verbose], database_url=url),
        run([ALEMBIC, "upgrade", "head"], database_url=url),
        run([ALEMBIC, "-x", f"url={url}", "current"]),
    ]
    with pytest.raises(ConfigurationError) as raised:
        asyncio.run(get_status(database_url=url))

    for result in results:
        assert result.returncode != 0
        assert not reveals_password(result.stdout + result.stderr), result.stdout + result.stderr
        assert "more than one '@'" in result.stderr, result.stderr
        assert "%40" in result.stderr, result.stderr
    assert [result.returncode for result in results[:2]] == [3, 3]
    for result in results[:2]:
        assert (TRACEBACK in result.stderr) == bool(verbose), result.stderr
        last = result.stderr.splitlines()[-1]
        assert last.startswith(("Error: DATABASE_URL has more than one '@'", "Error: --database-url has more")), last
    assert not reveals_password(_chain(raised.value) + caplog.text)


def _chain(error: BaseException) -> str:
    """The text of ``error`` and of every exception it was raised from or during."""
    texts: list[str] = []
    chain: BaseException | None = error
    while chain is not None:
        texts.append(f"{chain} {chain!r} {chain.args}")
        chain = chain.__cause__ or chain.__context__
    return " ".join(texts)
