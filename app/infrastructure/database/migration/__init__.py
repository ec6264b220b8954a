"""The migration system's async API: one function per verb, returning values and never printing.

Each function opens its own connection through the application's async engine factory and hands it to Alembic
(``config.attributes["connection"]``), so it runs inside the caller's event loop. From synchronous code, wrap the
call in ``asyncio.run(...)``. ``database_url`` overrides ``settings.migration_url`` (``MIGRATION_DATABASE_URL``, else
``DATABASE_URL``) for one call.

The verbs defined here import their wings (and Alembic's runtime) when called, so that importing the package for a
read-only verb stays cheap: ``current``, ``status``, ``heads`` and ``history`` import neither, nor SQLAlchemy (README,
"Benchmarks").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from app.infrastructure.database.migration.connection import describe_target, open_connection
from app.infrastructure.database.migration.errors import DatabaseUnreachableError
from app.infrastructure.database.migration.inspect import revisions
from app.infrastructure.database.migration.reading import (
    check_database,
    check_drift,
    get_current_revision,
    get_environment,
    get_heads,
    get_status,
    list_foreign_tables,
    plan_downgrade,
    preview_downgrade,
    preview_upgrade,
    render_sql,
    show_history,
    verify_migrations,
)
from app.infrastructure.database.migration.results import Adoption, DatabaseEnvironment, RunResult
from app.infrastructure.database.migration.setup import build_config, config_for, load_scripts, resolve_url

if TYPE_CHECKING:
    from app.infrastructure.database.migration.author.authoring import OnNote
    from app.infrastructure.database.migration.author.lint import LintReport
    from app.infrastructure.database.migration.author.renames import ConfirmRename, RenameHint
    from app.infrastructure.database.migration.run.events import OnEvent
    from app.infrastructure.database.migration.run.runner import OnStep

# The verbs only: result types live in ``results``, lock and retry events in ``run.events``, lint findings in
# ``author.lint`` and rename hints in ``author.renames``.
__all__ = [
    "adopt_database",
    "check_database",
    "check_drift",
    "create_revision",
    "downgrade_database",
    "find_rename_hints",
    "get_current_revision",
    "get_environment",
    "get_heads",
    "get_status",
    "lint_migrations",
    "list_foreign_tables",
    "mark_environment",
    "merge_revisions",
    "plan_downgrade",
    "preview_downgrade",
    "preview_upgrade",
    "render_sql",
    "show_history",
    "stamp",
    "upgrade_database",
    "verify_migrations",
]


async def upgrade_database(
    revision: str = "head",
    *,
    database_url: str | None = None,
    on_step: OnStep | None = None,
    on_event: OnEvent | None = None,
    script_location: Path | None = None,
    accept_modified: Sequence[str] = (),
    production_confirmed: bool = False,
) -> RunResult:
    """Apply revisions up to ``revision`` (default: head), each in its own transaction, under the migration lock.

    A legacy database (tables but no revision) is first adopted as :func:`adopt_database` does; the result's
    ``adoption`` then says what was found and done. An unknown one raises UnknownLegacyStateError, unchanged.

    Refuses (ModifiedMigrationsError) while applied revisions' scripts changed or disappeared, except those in
    ``accept_modified``, whose new checksums are recorded; on a production database that needs
    ``production_confirmed``. Applied revisions without a checksum yet get one, with a note in the result.

    ``on_event`` hears about waiting for another migrator's lock and about retries after a lock timeout.
    """
    from app.infrastructure.database.migration.adopt import detection
    from app.infrastructure.database.migration.run import guards, runner

    config = config_for(database_url, script_location)
    guards.confirm(config, production_confirmed=production_confirmed, accept_modified=accept_modified)
    target = await runner.pinned(config, revision, downgrade=False)
    result = await runner.run(
        config,
        "upgrade",
        lambda script, current: revisions.plan_upgrade(script, target, current),
        lambda cfg: runner.upgrade(cfg, target),
        on_step=on_step,
        on_event=on_event,
        prepare=detection.adopt_before_upgrade,
        run_when_nothing_planned=True,
    )
    if not result.steps and revisions.is_past(load_scripts(config), target, result.to_revisions):
        # Not an error: an upgrade means "at least this revision", so a deploy pinned to an older one still passes.
        past = (
            f"the database is at {'+'.join(result.to_revisions)}, already past {target}; upgrade never goes down "
            f"(to go back to {target}, run `stockdata migrate downgrade {target}`)"
        )
        return replace(result, notes=(*result.notes, past))
    return result


async def adopt_database(
    *, dry_run: bool = False, database_url: str | None = None, script_location: Path | None = None
) -> Adoption:
    """Adopt a database built before Alembic: bring its tables to the initial revision in one transaction and stamp it.

    With ``dry_run`` only detect the state and list the statements. A database that already has a revision, or has
    none of the application's tables, is left as it is (``state`` says which). Raises UnknownLegacyStateError,
    before any change, when the tables match no known legacy state.
    """
    from app.infrastructure.database.migration.adopt import adoption
    from app.infrastructure.database.migration.run import runner

    config = config_for(database_url, script_location)
    # Run like an upgrade (same connection handling), so that whatever guards a run guards adoption too.
    result = await runner.run(
        config,
        "adopt",
        lambda _script, _current: [],
        lambda _cfg: None,
        prepare=partial(adoption.adopt, dry_run=dry_run),
    )
    # Adoption runs on a database without a revision only (see runner.Prepare).
    return result.adoption or Adoption("versioned", None, current=result.from_revisions)


async def downgrade_database(
    revision: str = "-1",
    *,
    database_url: str | None = None,
    on_step: OnStep | None = None,
    on_event: OnEvent | None = None,
    script_location: Path | None = None,
    production_confirmed: bool = False,
    confirmed_revisions: Sequence[str] | None = None,
) -> RunResult:
    """Undo revisions down to ``revision`` (default: one step back), under the migration lock.

    On a production database this needs ``production_confirmed``. ``confirmed_revisions`` are the revision ids a
    person was shown (:func:`preview_downgrade`) and confirmed: the run undoes exactly those, or raises
    DatabaseMovedError, unchanged, when the database moved meanwhile. A relative ``revision`` (``-1``) is pinned
    before the lock is awaited: a run that waited for another migrator never undoes a revision that was not
    applied when it was asked, and finds nothing to do when the other one undid it already.
    """
    from app.infrastructure.database.migration.run import guards, runner

    config = config_for(database_url, script_location)
    guards.confirm(config, production_confirmed=production_confirmed)
    target, plan = await runner.pinned_downgrade(config, revision, confirmed=confirmed_revisions)
    return await runner.run(
        config,
        "downgrade",
        plan,
        lambda cfg: runner.downgrade(cfg, target),
        on_step=on_step,
        on_event=on_event,
    )


async def stamp(
    revision: str,
    *,
    verified_by_hand: bool = False,
    database_url: str | None = None,
    on_event: OnEvent | None = None,
    script_location: Path | None = None,
    production_confirmed: bool = False,
) -> RunResult:
    """Record ``revision`` as the database's current revision without running any migration, under the lock.

    Tables of a database without a revision are stamped only if adoption verifies they are exactly the initial
    revision's, unless ``verified_by_hand`` (the caller takes responsibility for any difference). On a production
    database this needs ``production_confirmed``. A corrupt ``alembic_version`` (rows the revision graph cannot
    have) is repaired: its rows are replaced by ``revision``.
    """
    from alembic import command

    from app.infrastructure.database.migration.adopt import adoption
    from app.infrastructure.database.migration.run import guards, runner

    config = config_for(database_url, script_location)
    guards.confirm(config, production_confirmed=production_confirmed)
    revisions.resolve(load_scripts(config), revision)
    return await runner.run(
        config,
        "stamp",
        lambda _script, _current: [],
        lambda cfg: command.stamp(cfg, revision, purge=runner.repairing(cfg)),
        on_event=on_event,
        prepare=None if verified_by_hand else partial(adoption.check_stamp, revision=revision),
        run_when_nothing_planned=True,
        repair_version_table=True,
    )


async def mark_environment(
    environment: str, *, database_url: str | None = None, production_confirmed: bool = False
) -> DatabaseEnvironment:
    """Record in the database what it is: ``production`` turns the production fence on.

    Leaving production needs ``production_confirmed``, like every guarded command.
    """
    from app.infrastructure.database.migration.guard import fence

    async with open_connection(resolve_url(database_url)) as connection:
        marked = await connection.run_sync(fence.mark, environment, confirmed=production_confirmed)
        await connection.commit()
    return marked


async def create_revision(
    message: str,
    autogenerate: bool = True,
    *,
    allow_empty: bool = False,
    database_url: str | None = None,
    script_location: Path | None = None,
    confirm_rename: ConfirmRename | None = None,
    on_note: OnNote | None = None,
) -> Path:
    """Write a new revision file, formatted by ruff and self-checked, and return its path.

    With ``autogenerate`` the database must be at head (else PendingMigrationsError), and a revision with no
    change is refused (NothingToGenerateError) unless ``allow_empty``. ``confirm_rename`` is asked about each
    dropped and added column or table that look like a rename; those it accepts are written as renames.

    The file must import, have no ruff error and render offline for PostgreSQL and SQLite, else RevisionFileError
    names the line (the file is kept). Without ruff it is written unformatted, which ``on_note`` hears.
    """
    from app.infrastructure.database.migration.author import authoring

    config = config_for(database_url, script_location)
    if not autogenerate:
        return authoring.write_empty(config, message, on_note=on_note)
    return await authoring.autogenerate(
        config, message, allow_empty=allow_empty, confirm_rename=confirm_rename, on_note=on_note
    )


async def merge_revisions(
    revision_ids: Sequence[str] = (), *, message: str, script_location: Path | None = None
) -> Path:
    """Write a merge revision joining ``revision_ids`` (default: every head) into one head; return its path.

    Needs no database. Raises NothingToGenerateError when there is a single head, so nothing to merge.
    """
    from app.infrastructure.database.migration.author import authoring

    config = build_config(database_url="", script_location=script_location)
    return authoring.write_merge(config, revision_ids, message)


async def find_rename_hints(path: Path) -> list[RenameHint]:
    """The drops and adds in the revision file at ``path`` that look like renames, with their lines. No database."""
    from app.infrastructure.database.migration.author import renames

    return renames.hints_in_file(path)


async def lint_migrations(
    revision_ids: Sequence[str] = (),
    *,
    all_revisions: bool = False,
    database_url: str | None = None,
    script_location: Path | None = None,
) -> LintReport:
    """Lint revisions: those named, every one (``all_revisions``), or by default those the database has not applied.

    Needs the database only for the default. Raises MigrationSetupError when squawk is not installed.
    """
    from app.infrastructure.database.migration.author import lint
    from app.infrastructure.database.migration.run import runner

    if revision_ids or all_revisions:
        script = load_scripts(build_config(database_url="", script_location=script_location))
        return lint.lint_scripts(lint.select(script, revision_ids))
    config = config_for(database_url, script_location)
    script = load_scripts(config)
    try:
        current = await runner.read_current(config, script)
    except DatabaseUnreachableError as exc:
        raise DatabaseUnreachableError(
            f"{exc} Lint asks the database which revisions it has not applied; to lint without one, "
            "name the revisions or use --all"
        ) from exc
    pending = lint.select(script, (), applied=revisions.applied_set(script, current))
    return lint.lint_scripts(pending, compared_with=describe_target(config.attributes["database_url"]))
