"""The guards every run passes, whoever started it: ``stockdata migrate``, the API, plain ``alembic``, or code calling
``alembic.command`` (pytest-alembic).

``alembic/env.py`` calls :func:`enforce` on the locked connection once the ``MigrationContext`` is configured, before
``run_migrations()``: it works out what the command will do (the steps Alembic is about to run) and runs
:data:`GUARDS` on that: the production fence, the checksums and the data pre-flight. A guard raises a
``MigrationError`` to refuse (nothing has changed yet) or returns notes.

Confirmations come from the API (:func:`confirm`, into ``config.attributes``) or from plain ``alembic``'s ``-x``
arguments: ``-x i-know-this-is-production=1`` and ``-x accept-modified=REV[,REV…]``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, cast

from alembic import context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext, MigrationStep, RevisionStep, StampStep
from alembic.script import Script, ScriptDirectory
from sqlalchemy.engine import Connection

from app.infrastructure.database.migration.guard import fence, history
from app.infrastructure.database.migration.guard.counting import LiveData
from app.infrastructure.database.migration.run.session import MUTATING_COMMANDS, plain_alembic_command

Direction = Literal["upgrade", "downgrade", "stamp"]
PRODUCTION_X = "i-know-this-is-production"
"""``-x i-know-this-is-production=1``: plain ``alembic``'s ``--i-know-this-is-production``."""
ACCEPT_MODIFIED_X = "accept-modified"
"""``-x accept-modified=REV[,REV…]``: plain ``alembic``'s ``--accept-modified``."""
_YES = frozenset({"1", "true", "yes"})

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlannedRun:
    """What a command is about to do, on the locked connection, with what its caller confirmed."""

    connection: Connection
    script: ScriptDirectory
    current: tuple[str, ...]
    direction: Direction
    revisions: tuple[Script, ...]
    """The revisions the run applies or undoes, in order (empty for a stamp)."""
    production_confirmed: bool
    accept_modified: tuple[str, ...]


Guard = Callable[[PlannedRun], Sequence[str]]
"""Refuses a run (raises a MigrationError) or lets it go on, returning notes for the result."""


def production_fence(run: PlannedRun) -> Sequence[str]:
    """On a database marked as production, downgrade, stamp and ``--accept-modified`` need confirmation."""
    if run.direction != "upgrade":
        fence.guard(run.connection, run.direction, confirmed=run.production_confirmed)
    elif run.accept_modified:
        fence.guard(run.connection, "--accept-modified", confirmed=run.production_confirmed)
    return ()


def checksums(run: PlannedRun) -> Sequence[str]:
    """An upgrade refuses while applied revisions' scripts changed or disappeared, except those accepted."""
    if run.direction != "upgrade":
        return ()
    return history.prepare_upgrade(run.connection, run.script, run.current, accept=run.accept_modified)


def data_loss(run: PlannedRun) -> Sequence[str]:
    """An upgrade or downgrade refuses, before changing anything, to destroy rows or fail on the data, unless the
    revision acknowledges it (the pre-flight, :mod:`..guard.preflight`). A database that holds no table yet has no
    row to lose: the analysis is not even imported (an upgrade's first deploy)."""
    if run.direction == "stamp" or not run.revisions or LiveData(run.connection).holds_no_table():
        return ()
    from app.infrastructure.database.migration.guard import preflight

    preflight.enforce(run.connection, run.revisions, run.direction)
    return ()


GUARDS: tuple[Guard, ...] = (production_fence, checksums, data_loss)
"""In order: the fence first, so that nothing is accepted on a production database before it is confirmed; the
pre-flight last, on scripts whose checksums are known to be the reviewed ones."""


def confirm(config: Config, *, production_confirmed: bool = False, accept_modified: Sequence[str] = ()) -> None:
    """Pass the API's confirmations to :func:`enforce` through ``config``."""
    config.attributes["production_confirmed"] = production_confirmed
    config.attributes["accept_modified"] = tuple(accept_modified)


def enforce(migration_context: MigrationContext, config: Config) -> None:
    """Run :data:`GUARDS` on what the command is about to do; a no-op for commands that change nothing.

    Raises the first guard's refusal, rolled back. The guards' writes (recorded checksums) are committed before the
    run starts, unless the caller runs everything in a transaction of its own; their notes go to
    ``config.attributes["guard_notes"]`` for the API's result, and to the log for plain ``alembic``.
    """
    connection = migration_context.connection
    if connection is None:
        return
    outer = connection.in_transaction()
    try:
        planned = _plan(migration_context, config)
        notes = [note for guard in GUARDS for note in guard(planned)] if planned is not None else []
    except BaseException:
        if not outer:
            connection.rollback()
        raise
    if not outer:
        connection.commit()
    for note in notes:
        logger.warning(note)
    # A run retried after a lock timeout passes here again: the first pass's notes say what was done.
    config.attributes.setdefault("guard_notes", tuple(notes))


def _plan(migration_context: MigrationContext, config: Config) -> PlannedRun | None:
    connection, script = migration_context.connection, migration_context.script
    if migration_context.as_sql or connection is None or script is None:
        return None
    # Only upgrade, downgrade and stamp name a destination; the work of check or revision (autogenerate) must not
    # be done twice by asking for their steps.
    if "destination_rev" not in migration_context.opts or migration_context._migrations_fn is None:
        return None
    current = () if migration_context.purge else migration_context.get_current_heads()
    steps = list(migration_context._migrations_fn(current, migration_context))
    direction = _direction(steps) or _requested(config)
    if direction is None:
        return None
    options = context.get_x_argument(as_dictionary=True)
    return PlannedRun(
        connection=connection,
        script=script,
        current=tuple(current),
        direction=direction,
        revisions=tuple(step.revision for step in steps if isinstance(step, RevisionStep)),
        production_confirmed=bool(config.attributes.get("production_confirmed"))
        or options.get(PRODUCTION_X, "").strip().lower() in _YES,
        accept_modified=(
            *config.attributes.get("accept_modified", ()),
            *(revision.strip() for revision in options.get(ACCEPT_MODIFIED_X, "").split(",") if revision.strip()),
        ),
    )


def _direction(steps: Sequence[MigrationStep]) -> Direction | None:
    if not steps:
        return None
    if any(isinstance(step, StampStep) for step in steps):
        return "stamp"
    return "upgrade" if steps[0].is_upgrade else "downgrade"


def _requested(config: Config) -> Direction | None:
    # With nothing to run, the command itself says which guards apply (an upgrade at head still checks checksums).
    requested = config.attributes.get("command") or plain_alembic_command(config)
    return cast(Direction, requested) if requested in MUTATING_COMMANDS else None
