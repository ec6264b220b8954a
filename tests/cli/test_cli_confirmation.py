"""``downgrade`` destroys data: it asks on a terminal, and without one it refuses unless ``--yes`` is given."""

from __future__ import annotations

import asyncio

import pytest

from app.infrastructure.database.migration import show_history
from harness.commands import STOCKDATA
from tests.cli.invocation import Migrate, Outcome, assert_fails, database_state, in_process
from tests.helpers import answer_in_terminal
from tests.scripts_folder import INITIAL

MESSAGE = asyncio.run(show_history())[0].message
"""The initial revision's: undoing it (from a database at that revision) drops every table."""
PROMPT = b"Go on? [y/N]: "


def run_in_terminal(args: list[str], answer: bytes) -> tuple[int, str]:
    """Run ``args`` on a pseudo-terminal, type ``answer`` at the prompt; return the exit code and the output."""
    return answer_in_terminal(args, answer, prompt=PROMPT)


def upgraded(url: str) -> Outcome:
    """Upgrade to the initial revision, so that ``downgrade`` (one step) destroys tables."""
    outcome = in_process(["upgrade", INITIAL, "-q", "--database-url", url], None)
    assert outcome.exit_code == 0, outcome.output
    return outcome


def test_without_a_terminal_and_without_yes_downgrade_refuses(migrate: Migrate, database_url: str) -> None:
    upgraded(database_url)
    before = database_state(database_url)

    outcome = migrate("downgrade", "--database-url", database_url)

    assert_fails(
        outcome,
        12,
        f"downgrade would undo 1 revision: {INITIAL} ({MESSAGE}), and destroy: drop table stocks (0 rows)",
        "nothing was changed. Re-run with --yes",
        "there is no terminal to ask",
    )
    assert database_state(database_url) == before


@pytest.mark.parametrize(("answer", "exit_code"), [(b"y", 0), (b"n", 12)])
def test_on_a_terminal_downgrade_lists_what_it_undoes_and_asks(
    database_url: str, answer: bytes, exit_code: int
) -> None:
    upgraded(database_url)
    before = database_state(database_url)

    code, output = run_in_terminal([str(STOCKDATA), "migrate", "downgrade", "--database-url", database_url], answer)

    assert code == exit_code, output
    lines = output.splitlines()
    assert lines[:3] == ["This downgrade undoes, in order:", f"  ↓ {INITIAL}  {MESSAGE}", "What it destroys:"]
    asked = lines.index("Go on? [y/N]: " + answer.decode())
    assert lines[3:asked] == [f"  - drop table {table} (0 rows)" for table in ("stocks", "prices", "listed_info")]
    if answer == b"y":
        assert lines[asked + 1].startswith(f"  ↓ {INITIAL}  {MESSAGE}  (")
        assert lines[asked + 2].startswith(f"Downgraded {INITIAL} → base: 1 revision in ")
        _, lowest, highest = database_state(database_url)
        assert INITIAL not in (lowest, highest)
    else:
        assert lines[asked + 1 :] == ["Error: downgrade cancelled; nothing was changed"]
        assert database_state(database_url) == before
