"""A URL's password never appears in any output, with or without ``-v``, and URL-encoded passwords work.

They run on the password-checking server (``password_url``), where a mis-decoded password fails to connect.
"""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from harness.queries import execute
from tests.cli.invocation import Migrate, Outcome
from tests.passwords import reveals_password, with_password


def assert_no_password(outcome: Outcome) -> None:
    assert not reveals_password(outcome.output), outcome.output


def test_every_command_works_with_an_encoded_password_and_never_prints_it(migrate: Migrate, password_url: str) -> None:
    url = with_password(password_url)
    runs = [
        ["upgrade", "-v"],
        ["current", "-v"],
        ["status", "--json"],
        ["check", "-v"],
        ["sql", "-v"],
        ["downgrade", "--yes", "--json"],
        ["stamp", "head", "-v"],
    ]

    outcomes = [migrate(*args, "--database-url", url) for args in runs]
    from_environment = migrate("current", "--json", env={"DATABASE_URL": url})

    for args, outcome in zip(runs, outcomes, strict=True):
        assert outcome.exit_code == 0, (args, outcome.output)
        assert_no_password(outcome)
    assert from_environment.exit_code == 0, from_environment.output
    assert_no_password(from_environment)


@pytest.mark.parametrize(
    ("failure", "exit_code"),
    [
        ("unreachable", 4),
        ("missing database", 4),
        ("unsupported scheme", 3),
        ("bad port", 3),
        ("unknown revision", 5),
        ("database ahead", 5),
    ],
)
def test_failures_with_tracebacks_never_print_the_password(
    migrate: Migrate, password_url: str, failure: str, exit_code: int
) -> None:
    url = with_password(password_url)
    args = ["upgrade", "-v", "--database-url"]
    if failure == "unreachable":
        args += [with_password(password_url, host="127.0.0.1", port=1)]
    elif failure == "missing database":
        args += [with_password(password_url, database="stockdata_no_such_database")]
    elif failure == "unsupported scheme":
        args += [url.replace("postgresql://", "mysql://")]
    elif failure == "bad port":
        args += [url.replace(f":{make_url(url).port}/", ":port/")]
    elif failure == "unknown revision":
        args += [url, "fedcba987654"]
    else:
        assert migrate("upgrade", "-q", "--database-url", url).exit_code == 0
        execute(password_url, "UPDATE alembic_version SET version_num = 'fedcba987654'")
        args += [url]

    outcome = migrate(*args)

    assert outcome.exit_code == exit_code, outcome.output
    assert "Traceback (most recent call last)" in outcome.stderr
    assert_no_password(outcome)
