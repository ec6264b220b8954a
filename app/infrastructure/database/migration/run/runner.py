"""Running a migration command: under the migration lock, on the caller's connection, one step at a time.

:func:`run` plans from the current revision, runs the guards (``Check``) and adoption (``Prepare``) first, calls
Alembic on the shared connection (``config.attributes["connection"]``), records each step, retries on lock
timeouts, and turns a failed revision into one clear error.

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

from app.infrastructure.database.migration.connection import first_line, open_connection
from app.infrastructure.database.migration.errors import MigrationError
from app.infrastructure.database.migration.guard import fence, history
from app.infrastructure.database.migration.inspect import revisions
from app.infrastructure.database.migration.results import Adoption, MigrationStep, RunResult
from app.infrastructure.database.migration.run import timeouts
from app.infrastructure.database.migration.run.events import OnEvent
from app.infrastructure.database.migration.run.session import migration_session
from app.infrastructure.database.migration.setup import load_scripts

OnStep = Callable[[MigrationStep], None]
Plan = Callable[[ScriptDirectory, tuple[str, ...]], list[Script]]
"""The revisions a run will apply or undo, given the scripts and the current heads."""
Prepare = Callable[[Connection, ScriptDirectory], Adoption | None]
"""Runs after the checks, before the plan: adopts a legacy database (the plan then starts from its heads)."""
Check = Callable[[Connection, ScriptDirectory, tuple[str, ...]], tuple[str, ...]]
"""Runs first on a run's connection, given the current heads; returns notes for the result or raises to refuse."""


async def run(
    config: Config,
    command_name: str,
    plan: Plan,
    alembic_call: Callable[[Config], Any],
    *,
    on_step: OnStep | None = None,
    prepare: Prepare | None = None,
    on_event: OnEvent | None = None,
    check: Check | None = None,
    run_when_nothing_planned: bool = False,
) -> RunResult:
    """Under the migration lock: plan from the current revision, run ``alembic_call`` (retried on lock timeouts).

    ``check`` runs first (checksums, the production fence), then ``prepare`` (adoption of a legacy database), each
    on the same connection in its own transaction. With an empty plan Alembic is not called (``downgrade -1`` at
    base would fail), unless asked to (``stamp``).
    """
    script = load_scripts(config)
    async with (
        open_connection(config.attributes["database_url"], create=True) as connection,
        migration_session(connection, on_event=on_event),
    ):
        started = time.perf_counter()
        before = await connection.run_sync(revisions.current_heads)
        notes = await connection.run_sync(check, script, before) if check is not None else ()
        await connection.commit()
        revisions.ensure_known(script, before)
        adopted = await connection.run_sync(prepare, script) if prepare is not None else None
        await connection.commit()
        planned = plan(script, adopted.heads if adopted is not None else before)
        steps: list[MigrationStep] = []
        config.attributes["on_version_apply"] = [_recorder(steps, on_step)]

        def call(sync_connection: Connection) -> None:
            config.attributes["connection"] = sync_connection
            try:
                with revisions.revision_errors():
                    alembic_call(config)
            except DBAPIError as exc:
                if exc.statement is None and steps:
                    # The COMMIT failed (SQLite: readers kept the file past the busy timeout), after the step was
                    # recorded; the driver's transaction is still open and must be rolled back by hand.
                    steps.pop()
                    sync_connection.connection.rollback()
                failed = planned[len(steps)] if len(steps) < len(planned) else None
                raise _revision_failed(failed, exc, config) from exc

        if planned or run_when_nothing_planned:
            await timeouts.retry_lock_timeouts(lambda: connection.run_sync(call), on_event=on_event)
            await connection.commit()
        after = await connection.run_sync(revisions.current_heads)
        await connection.commit()
    return RunResult(command_name, before, after, tuple(steps), time.perf_counter() - started, adopted, notes)


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


def _revision_failed(failed: Script | None, exc: DBAPIError, config: Config) -> MigrationError:
    where = f"revision {failed.revision} ({failed.doc})" if failed is not None else "the migration"
    timed_out = timeouts.timeout_error(exc, revision=failed.revision if failed else None, where=where, config=config)
    if timed_out is not None:
        return timed_out
    statement = " ".join((exc.statement or "COMMIT").split())
    if len(statement) > 300:
        statement = statement[:299] + "…"
    return MigrationError(
        f"{where} failed and was rolled back: {first_line(exc)}. Statement: {statement}. "
        "Fix the revision and run the command again."
    )


def guard_production(action: str, confirmed: bool) -> Check:
    """A check refusing ``action`` on a database marked as production unless ``confirmed``."""

    def check(connection: Connection, _script: ScriptDirectory, _current: tuple[str, ...]) -> tuple[str, ...]:
        fence.guard(connection, action, confirmed=confirmed)
        return ()

    return check


def guard_checksums(accept_modified: Sequence[str], production_confirmed: bool) -> Check:
    """A check refusing to upgrade over changed scripts except those accepted (on production, if confirmed)."""

    def check(connection: Connection, script: ScriptDirectory, current: tuple[str, ...]) -> tuple[str, ...]:
        if accept_modified:
            fence.guard(connection, "--accept-modified", confirmed=production_confirmed)
        return history.prepare_upgrade(connection, script, current, accept=accept_modified)

    return check


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
