"""Running a migration command: under the migration lock, on the caller's connection, one step at a time.

:func:`run` runs adoption (``Prepare``) first, plans from the current revision, calls Alembic on the shared connection
(``config.attributes["connection"]``), records each step, retries on lock timeouts, and turns a failed revision into
one clear error. The guards run inside Alembic's run, in ``alembic/env.py`` (:mod:`.guards`), for every caller alike.

:func:`upgrade` and :func:`downgrade` are what it calls for those commands: ``alembic.command.upgrade`` and
``downgrade`` build a ``ScriptDirectory`` of their own, which executes every revision file again after the API has
read them to plan the run: about 0.3 ms per revision, 5-10 % of what a revision costs on a long chain. These do what
those commands do (without ``--sql``) on the copy that :func:`~.setup.load_scripts` keeps in the ``Config``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationInfo
from alembic.script import Script, ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from app.infrastructure.database.migration.connection import open_connection
from app.infrastructure.database.migration.errors import DatabaseMovedError, MigrationError
from app.infrastructure.database.migration.inspect import revisions
from app.infrastructure.database.migration.results import Adoption, MigrationStep, RunResult
from app.infrastructure.database.migration.run import failures, timeouts
from app.infrastructure.database.migration.run.events import OnEvent
from app.infrastructure.database.migration.run.session import migration_session
from app.infrastructure.database.migration.safe.progress import ON_EVENT
from app.infrastructure.database.migration.setup import load_scripts

REPAIRING = "stockdata.repairing_version_table"
OnStep = Callable[[MigrationStep], None]
Plan = Callable[[ScriptDirectory, tuple[str, ...]], list[Script]]
"""The revisions a run will apply or undo, given the scripts and the current heads."""
Prepare = Callable[[Connection, ScriptDirectory], Adoption | None]
"""Runs before the plan on a database without a revision: adopts a legacy one (the plan then starts from its heads).
A database with a revision has nothing to adopt, so a run on it never imports the adoption machinery."""


async def run(
    config: Config,
    command_name: str,
    plan: Plan,
    alembic_call: Callable[[Config], Any],
    *,
    on_step: OnStep | None = None,
    prepare: Prepare | None = None,
    on_event: OnEvent | None = None,
    run_when_nothing_planned: bool = False,
    repair_version_table: bool = False,
) -> RunResult:
    """Under the migration lock: plan from the current revision, run ``alembic_call`` (retried on lock timeouts).

    ``prepare`` (adoption of a legacy database) runs first, on a database without a revision, on the same connection
    in its own transaction. With an empty plan Alembic is not called (``downgrade -1`` at base would fail), unless
    asked to (``stamp``; ``upgrade``, whose guards check the checksums even with nothing to apply). The notes of
    env.py's guards (:mod:`.guards`: fence, checksums, the data pre-flight) end up in the result. A corrupt
    ``alembic_version`` raises CorruptVersionTableError, unless ``repair_version_table`` (``stamp``): adoption then
    does not run, and :func:`repairing` is true for ``alembic_call``.
    """
    script = load_scripts(config)
    config.attributes["command"] = command_name
    async with (
        open_connection(config.attributes["database_url"], create=True) as connection,
        migration_session(connection, on_event=on_event),
    ):
        started = time.perf_counter()
        before = await _read_heads(connection, config, script, on_event=on_event, repair=repair_version_table)
        corrupt = repairing(config)
        try:
            await connection.commit()
            if not corrupt:
                revisions.ensure_known(script, before)
            adopted = await connection.run_sync(prepare, script) if prepare is not None and not before else None
            await connection.commit()
        except DBAPIError as exc:
            raise failures.classify(exc, failed=None, config=config) from exc
        planned = plan(script, adopted.heads if adopted is not None else before)
        steps: list[MigrationStep] = []
        config.attributes["on_version_apply"] = [_recorder(steps, on_step)]
        config.attributes[ON_EVENT] = on_event  # the safe operations' progress (backfills)

        def call(sync_connection: Connection) -> None:
            config.attributes["connection"] = sync_connection
            try:
                with revisions.revision_errors():
                    alembic_call(config)
            except MigrationError:
                raise
            except Exception as exc:  # whatever a revision raised: its transaction was rolled back
                if isinstance(exc, DBAPIError) and exc.statement is None and steps:
                    # The COMMIT failed (SQLite: readers kept the file past the busy timeout), after the step was
                    # recorded; the driver's transaction is still open and must be rolled back by hand.
                    steps.pop()
                    sync_connection.connection.rollback()
                failed = planned[len(steps)] if len(steps) < len(planned) else None
                raise failures.classify(exc, failed=failed, config=config) from exc

        if planned or run_when_nothing_planned:
            await timeouts.retry_lock_timeouts(connection, lambda: connection.run_sync(call), on_event=on_event)
            await connection.commit()
        after = await connection.run_sync(revisions.current_heads)
        await connection.commit()
    notes = config.attributes.get("guard_notes", ())
    return RunResult(command_name, before, after, tuple(steps), time.perf_counter() - started, adopted, notes)


async def _read_heads(
    connection: AsyncConnection, config: Config, script: ScriptDirectory, *, on_event: OnEvent | None, repair: bool
) -> tuple[str, ...]:
    """The ``alembic_version`` rows, retried like a revision when the table or the file is locked; a corrupt table
    raises CorruptVersionTableError unless ``repair`` (then :func:`repairing` says so)."""

    async def read() -> tuple[str, ...]:
        try:
            return await connection.run_sync(revisions.version_rows)
        except DBAPIError as exc:
            raise failures.classify(exc, failed=None, config=config) from exc

    rows = await timeouts.retry_lock_timeouts(connection, read, on_event=on_event)
    problem = revisions.corruption(script, rows)
    if problem is not None and not repair:
        raise revisions.corrupt_version_table(problem)
    config.attributes[REPAIRING] = problem is not None
    return rows


def repairing(config: Config) -> bool:
    """True while a run (``stamp``) replaces the rows of a corrupt ``alembic_version``: its call must purge them."""
    return bool(config.attributes.get(REPAIRING))


def _recorder(steps: list[MigrationStep], on_step: OnStep | None) -> Callable[..., None]:
    """An ``on_version_apply`` callback appending each revision run to ``steps`` (and telling ``on_step``)."""
    last = time.perf_counter()

    def record(*, step: MigrationInfo, **_: Any) -> None:
        nonlocal last
        if step.is_stamp:
            return
        now = time.perf_counter()
        revision = step.up_revision_id or ""
        message = getattr(step.up_revision, "doc", "")
        done = MigrationStep(revision, message, "upgrade" if step.is_upgrade else "downgrade", now - last)
        steps.append(done)
        last = now
        if on_step is not None:
            on_step(done)

    return record


async def read_current(config: Config, script: ScriptDirectory) -> tuple[str, ...]:
    """The database's current heads, over a connection of its own; raises UnknownRevisionError when unknown."""
    async with open_connection(config.attributes["database_url"]) as connection:
        current = await connection.run_sync(revisions.current_heads)
    revisions.ensure_known(script, current)
    return current


async def pinned(config: Config, revision: str, *, downgrade: bool) -> str:
    """``revision``, with a step count from the current revision (``-1``, ``+2``) pinned before the lock is awaited."""
    if not revisions.is_relative(revision):
        return revision
    script = load_scripts(config)
    return revisions.pin(script, revision, await read_current(config, script), downgrade=downgrade)


async def pinned_downgrade(
    config: Config, revision: str, *, confirmed: Sequence[str] | None = None
) -> tuple[str, Plan]:
    """The target and plan of a downgrade to ``revision``, fixed before the lock is awaited.

    Under the lock it undoes exactly ``confirmed`` (the revision ids a person was shown and confirmed) when given;
    for a relative ``revision`` (``-1``), it never undoes a revision that was not applied when it was asked, and
    nothing when those were undone meanwhile (by another migrator: "Nothing to do", as upgrades find). Else it
    raises DatabaseMovedError, changing nothing.
    """
    script = load_scripts(config)
    asked_at = await read_current(config, script)
    target = revisions.pin(script, revision, asked_at, downgrade=True)
    meant = None
    if confirmed is None and revisions.is_relative(revision):
        meant = tuple(found.revision for found in revisions.plan_downgrade(script, revision, asked_at))

    def plan(script: ScriptDirectory, current: tuple[str, ...]) -> list[Script]:
        if meant is not None and not set(meant) & revisions.applied_set(script, current):
            return []
        planned = revisions.plan_downgrade(script, target, current)
        undoing = tuple(found.revision for found in planned)
        if confirmed is not None and undoing != tuple(confirmed):
            raise _moved("since the downgrade was confirmed: it was to undo", confirmed, undoing)
        if meant is not None and not set(undoing) <= set(meant):
            raise _moved(f"while the downgrade waited for the migration lock: {revision} meant undoing", meant, undoing)
        return planned

    return target, plan


def _moved(when: str, meant: Sequence[str], undoing: Sequence[str]) -> DatabaseMovedError:
    return DatabaseMovedError(
        f"the database moved {when} {', '.join(meant) or 'nothing'}, now it would undo "
        f"{', '.join(undoing) or 'nothing'}; nothing was changed. Run the command again to see what it undoes now"
    )


def upgrade(config: Config, revision: str) -> None:
    """``alembic.command.upgrade(config, revision)``, reading no revision file twice."""
    _run_env(config, revision, lambda script, current: script._upgrade_revs(revision, current))


def downgrade(config: Config, revision: str) -> None:
    """``alembic.command.downgrade(config, revision)``, reading no revision file twice."""
    _run_env(config, revision, lambda script, current: script._downgrade_revs(revision, current))


def _run_env(config: Config, revision: str, steps: Callable[[ScriptDirectory, Any], Any]) -> None:
    if ":" in revision:
        raise CommandError("Range revision not allowed")
    script = load_scripts(config)
    with EnvironmentContext(
        config, script, fn=lambda current, _context: steps(script, current), destination_rev=revision
    ):
        script.run_env()
