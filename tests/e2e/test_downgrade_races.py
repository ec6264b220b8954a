"""Adversarial: downgrades racing other migrators undo exactly what was asked and confirmed, never one more.

Real ``stockdata migrate`` processes on a throwaway scripts folder of three revisions, each creating a table that its
downgrade drops; the races are driven deterministically (a prompt held open on a pseudo-terminal, a revision held
at a ``TEST_GATE``).
"""

from __future__ import annotations

import time
from pathlib import Path

from harness.commands import STOCKDATA
from harness.queries import version
from tests.helpers import answer_in_terminal, reflect_schema
from tests.processes import migrate, settings, start, wait_for
from tests.scripts_folder import HOLD_AT_GATE, copy_scripts, write_revision


def three_tables(root: Path, *, hold_in_last_downgrade: bool = False) -> Path:
    """Revisions r1, r2, r3, each creating table t1, t2, t3 (its downgrade drops it, after ``HOLD_AT_GATE``)."""
    scripts = copy_scripts(root, project_revisions=False)
    for number, down in ((1, None), (2, "r1"), (3, "r2")):
        gate = HOLD_AT_GATE if hold_in_last_downgrade and number == 3 else ""
        write_revision(
            scripts,
            f"r{number}",
            down_revision=down,
            upgrade=f"op.create_table('t{number}', sa.Column('id', sa.Integer, primary_key=True))",
            downgrade=f"{gate}\nop.drop_table('t{number}')",
        )
    return scripts


def tables(url: str) -> set[str]:
    return {name for name in reflect_schema(url) if name.startswith("t")}


def test_a_confirmed_downgrade_refuses_when_another_process_downgraded_before_the_answer(
    database_url: str, tmp_path: Path
) -> None:
    scripts = three_tables(tmp_path)
    assert migrate(database_url, scripts, "upgrade").returncode == 0
    other: list[int] = []

    def someone_else_downgrades() -> None:
        other.append(migrate(database_url, scripts, "downgrade", "--yes").returncode)

    code, output = answer_in_terminal(
        [str(STOCKDATA), "migrate", "downgrade"],
        b"y",
        prompt=b"Go on? [y/N]: ",
        env=settings(database_url, scripts),
        before_answering=someone_else_downgrades,
    )

    assert other == [0], "the other process undid r3 while the prompt was open"
    assert "  ↓ r3  r3" in output, "r3 is what the prompt showed"
    assert code == 21, output
    assert (
        "Error: the database moved since the downgrade was confirmed: it was to undo r3, now it would undo r2; "
        "nothing was changed. Run the command again to see what it undoes now"
    ) in output
    assert "Traceback" not in output
    assert version(database_url) == ["r2"], "r2, which nobody confirmed, is still applied"
    assert tables(database_url) == {"t1", "t2"}


def test_three_concurrent_downgrades_undo_one_revision_and_the_waiters_find_nothing_to_do(
    database_url: str, tmp_path: Path
) -> None:
    scripts = three_tables(tmp_path, hold_in_last_downgrade=True)
    assert migrate(database_url, scripts, "upgrade").returncode == 0
    gate = tmp_path / "gate"
    gate.mkdir()

    started = time.monotonic()
    processes = [
        start(database_url, scripts, tmp_path / f"p{i}", "downgrade", "-1", "--yes", TEST_GATE=str(gate))
        for i in range(3)
    ]
    # One process is inside r3's downgrade, holding the lock; the two others have pinned -1 and wait behind it.
    wait_for(
        lambda: (
            any(gate.glob("inside-*"))
            and sum("Waiting up to 300 s for the migration lock" in p.errors() for p in processes) == 2
        ),
        processes,
        "one process inside r3's downgrade and two waiting for the migration lock",
    )
    (gate / "release").touch()
    results = [process.finish() for process in processes]

    output = "".join(result.stdout + result.stderr for result in results)
    assert [result.returncode for result in results] == [0, 0, 0], output
    assert "does not exist" not in output
    assert sum("Downgraded r3 → r2: 1 revision" in result.stdout for result in results) == 1, output
    assert sum("Nothing to do: the database is already at r2." in result.stdout for result in results) == 2, output
    assert version(database_url) == ["r2"]
    assert tables(database_url) == {"t1", "t2"}
    assert time.monotonic() - started < 90
