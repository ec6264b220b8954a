"""The migration API's read-only verbs: where the database stands, what differs, what a run would do.

None of them changes the database; those needing no database (``get_heads``, ``show_history``, ``render_sql``)
never connect. ``get_current_revision``, ``get_status``, ``get_heads`` and ``show_history`` read a plain history
from the revision files' text (:mod:`.inspect.revision_files`) and the database's rows through the bare driver
(:mod:`.inspect.bookkeeping_rows`), importing neither Alembic nor SQLAlchemy; only another history (or a URL option
only SQLAlchemy reads) takes them through Alembic. The verbs that need Alembic's runtime, SQLAlchemy or the models
import them when called.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from app.infrastructure.database.migration.connection import open_connection
from app.infrastructure.database.migration.inspect import revisions
from app.infrastructure.database.migration.inspect.bookkeeping_rows import Bookkeeping, read_bookkeeping
from app.infrastructure.database.migration.inspect.revision_files import PlainHistory, read_plain_history
from app.infrastructure.database.migration.results import (
    CheckResult,
    DatabaseEnvironment,
    Difference,
    DowngradePreview,
    Preflight,
    RevisionInfo,
    Status,
    Verification,
)
from app.infrastructure.database.migration.setup import (
    ALEMBIC_INI,
    build_config,
    config_for,
    load_scripts,
    resolve_url,
    scripts_folder,
    target_metadata,
)


async def get_current_revision(*, database_url: str | None = None, script_location: Path | None = None) -> str | None:
    """The database's current revision, or ``None`` for an unmigrated database.

    Raises UnknownRevisionError when the database is at a revision this code does not have.
    """
    url = resolve_url(database_url)
    plain = _plain_history(script_location)
    found = None if plain is None else await read_bookkeeping(url, with_status=False)
    if plain is not None and found is not None and plain.applied(found.current) is not None:
        return ",".join(found.current) if found.current else None
    from app.infrastructure.database.migration.run import runner

    config = config_for(database_url, script_location)
    current = await runner.read_current(config, load_scripts(config))
    return ",".join(current) if current else None


async def get_status(*, database_url: str | None = None, script_location: Path | None = None) -> Status:
    """Every revision with whether it is applied (and its audit row), the current revision, heads, environment."""
    url = resolve_url(database_url)
    plain = _plain_history(script_location)
    found = None if plain is None else await read_bookkeeping(url, with_status=True)
    if plain is not None and found is not None and (plain_status := _plain_status(plain, found)) is not None:
        return plain_status
    from app.infrastructure.database.migration.guard import status

    config = config_for(database_url, script_location)
    async with open_connection(config.attributes["database_url"]) as connection:
        return await connection.run_sync(status.read_status, load_scripts(config))


async def get_heads(*, script_location: Path | None = None) -> tuple[str, ...]:
    """The head revisions of the scripts (more than one means they need a merge). Needs no database."""
    plain = _plain_history(script_location)
    if plain is not None:
        return plain.heads
    config = build_config(database_url="", script_location=script_location)
    return tuple(load_scripts(config).get_heads())


async def show_history(*, script_location: Path | None = None) -> tuple[RevisionInfo, ...]:
    """Every revision, oldest first. Needs no database."""
    plain = _plain_history(script_location)
    if plain is not None:
        return plain.revisions
    config = build_config(database_url="", script_location=script_location)
    return revisions.all_revisions(load_scripts(config))


def _plain_history(script_location: Path | None) -> PlainHistory | None:
    return read_plain_history(scripts_folder(script_location), ALEMBIC_INI)


def _plain_status(plain: PlainHistory, found: Bookkeeping) -> Status | None:
    """The status of a database at one of ``plain``'s revisions (or none); ``None`` otherwise, for Alembic's graph
    to judge and explain."""
    applied = plain.applied(found.current)
    if applied is None:
        return None
    infos = tuple(replace(info, audit=found.records.get(info.revision)) for info in applied)
    return Status(found.current, plain.heads, infos, found.environment)


async def get_environment(*, database_url: str | None = None) -> DatabaseEnvironment:
    """What the database is marked as (``None`` when never marked), and its name for confirmations."""
    from app.infrastructure.database.migration.guard import fence

    async with open_connection(resolve_url(database_url)) as connection:
        return await connection.run_sync(fence.read_environment)


async def check_database(*, database_url: str | None = None, script_location: Path | None = None) -> CheckResult:
    """What ``check`` needs over one connection: the status, the drift (when nothing is pending), foreign tables."""
    from app.infrastructure.database.migration.guard import status

    config = config_for(database_url, script_location)
    async with open_connection(config.attributes["database_url"]) as connection:
        return await connection.run_sync(status.check, target_metadata(), load_scripts(config))


async def check_drift(*, database_url: str | None = None, script_location: Path | None = None) -> list[Difference]:
    """The differences between the models and the database (empty when they match)."""
    from app.infrastructure.database.migration.inspect.drift import detect_drift

    config = config_for(database_url, script_location)
    async with open_connection(config.attributes["database_url"]) as connection:
        return await connection.run_sync(detect_drift, target_metadata(), load_scripts(config))


async def list_foreign_tables(
    *, database_url: str | None = None, script_location: Path | None = None
) -> tuple[str, ...]:
    """Tables that neither the models nor any revision define; migrations and ``check`` leave them alone."""
    from app.infrastructure.database.migration.inspect.foreign_tables import foreign_tables

    config = config_for(database_url, script_location)
    async with open_connection(config.attributes["database_url"]) as connection:
        return await connection.run_sync(foreign_tables, target_metadata().tables, load_scripts(config))


async def verify_migrations(*, database_url: str | None = None, script_location: Path | None = None) -> Verification:
    """Applied revisions whose script changed or disappeared since they were applied (changes nothing).

    Raises UnknownRevisionError when the database is at a revision neither these scripts nor its history know.
    """
    from app.infrastructure.database.migration.guard import history

    config = config_for(database_url, script_location)
    script = load_scripts(config)
    async with open_connection(config.attributes["database_url"]) as connection:
        current = await connection.run_sync(revisions.current_heads)
        problem = revisions.corruption(script, current)
        if problem is not None:
            raise revisions.corrupt_version_table(problem)
        verification = await connection.run_sync(history.verify, script, current)
    # A revision whose file went missing after it was recorded is verify's own finding (exit 16); one never
    # recorded here is unknown, as every other command says (exit 5).
    reported = {mismatch.revision for mismatch in verification.mismatches}
    revisions.ensure_known(script, [revision for revision in current if revision not in reported])
    return verification


async def plan_downgrade(
    revision: str = "-1", *, database_url: str | None = None, script_location: Path | None = None
) -> list[RevisionInfo]:
    """The revisions ``downgrade_database(revision)`` would undo, newest first, without changing anything."""
    from app.infrastructure.database.migration.run import runner

    config = config_for(database_url, script_location)
    script = load_scripts(config)
    current = await runner.read_current(config, script)
    return [revisions.info(rev) for rev in revisions.plan_downgrade(script, revision, current)]


async def preview_downgrade(
    revision: str = "-1", *, database_url: str | None = None, script_location: Path | None = None
) -> DowngradePreview:
    """What ``downgrade_database(revision)`` would undo and destroy (with row counts) and its SQL; changes nothing."""
    from app.infrastructure.database.migration.guard import preflight

    config = config_for(database_url, script_location)
    script = load_scripts(config)
    async with open_connection(config.attributes["database_url"]) as connection:
        current = await connection.run_sync(revisions.current_heads)
        revisions.ensure_known(script, current)
        plan = revisions.plan_downgrade(script, revision, current)
        return replace(await connection.run_sync(preflight.preview, plan), current=current)


async def preview_upgrade(
    revision: str = "head", *, database_url: str | None = None, script_location: Path | None = None
) -> Preflight:
    """What ``upgrade_database(revision)`` would apply, destroy or fail on (the pre-flight) and its SQL; changes
    nothing."""
    from app.infrastructure.database.migration.guard import preflight

    config = config_for(database_url, script_location)
    script = load_scripts(config)
    async with open_connection(config.attributes["database_url"]) as connection:
        current = await connection.run_sync(revisions.current_heads)
        revisions.ensure_known(script, current)
        plan = revisions.plan_upgrade(script, revision, current)
        return await connection.run_sync(preflight.analyse, plan, "upgrade")


async def render_sql(
    revision_range: str, *, database_url: str | None = None, script_location: Path | None = None
) -> str:
    """The SQL of ``[FROM:]TO`` for the configured dialect, rendered offline without touching a database.

    Without ``FROM`` the range starts at base. When ``TO`` is below ``FROM`` the downgrade SQL is rendered. An
    empty range (``FROM`` equal to ``TO``) renders nothing; a malformed, relative or cross-branch range raises
    InvalidRevisionRangeError.
    """
    from app.infrastructure.database.migration.inspect import ranges

    return ranges.render_sql(config_for(database_url, script_location), revision_range)
