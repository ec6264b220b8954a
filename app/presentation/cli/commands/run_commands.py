"""``stockdata migrate`` commands that change the database under the migration lock: upgrade, downgrade, stamp,
adopt."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import click

from app.presentation.cli import preflight_rendering, rendering
from app.presentation.cli.confirmation import confirm_downgrade, production_confirmed
from app.presentation.cli.options import (
    StepsBackCommand,
    common_options,
    database_url,
    is_quiet,
    json_option,
    production_option,
    yes_option,
)

if TYPE_CHECKING:
    from app.infrastructure.database.migration.results import DowngradePreview, MigrationStep, Preflight, RunResult
    from app.infrastructure.database.migration.run.events import MigrationEvent


def _progress(as_json: bool) -> Callable[[MigrationStep], None] | None:
    if as_json or is_quiet():
        return None
    return lambda step: click.echo(rendering.step_line(step))


def _events() -> Callable[[MigrationEvent], None] | None:
    # On stderr, so that --json output stays one document.
    if is_quiet():
        return None
    return lambda event: click.echo(event.describe(), err=True)


def _migrate(run: Callable[..., Coroutine[Any, Any, RunResult]], revision: str, as_json: bool, **options: Any) -> None:
    """Run an upgrade or downgrade to ``revision``, showing each step and lock event, then report what it did."""
    import asyncio

    result = asyncio.run(
        run(revision, database_url=database_url(), on_step=_progress(as_json), on_event=_events(), **options)
    )
    _report(result, as_json)


def _report(result: RunResult, as_json: bool) -> None:
    if as_json:
        rendering.emit_json(result.command, **rendering.run_json(result))
    elif not is_quiet():
        if result.adoption is not None:
            click.echo(rendering.adoption_summary(result.adoption))
        for note in result.notes:
            click.echo(f"Note: {note}")
        click.echo(rendering.run_summary(result))


@click.command()
@click.argument("revision", default="head")
@click.option(
    "--accept-modified",
    "accept",
    metavar="REV",
    multiple=True,
    help="Accept that applied revision REV's script changed (or is gone): record its new checksum. Repeatable.",
)
@click.option("--dry-run", is_flag=True, help="Print the plan, the SQL and the pre-flight's findings; change nothing.")
@production_option
@json_option
@common_options
def upgrade(
    revision: str, accept: tuple[str, ...], dry_run: bool, i_know_this_is_production: bool, as_json: bool
) -> None:
    """Apply revisions up to REVISION (default: head), each in its own transaction.

    A database built before Alembic (tables but no revision) is adopted first, as `adopt` does.

    Safe to run from every instance at once: one migrates while the others wait for its lock
    (MIGRATION_LOCK_TIMEOUT), then find nothing left to do.

    Refuses while applied revisions' scripts changed since they ran (see `verify`), unless accepted, and (exit 19)
    when the pre-flight finds it would destroy rows or fail on the data, unless the revision acknowledges it with
    `# migrate: destroys-data <reason>`.

    \b
    Examples:
      stockdata migrate upgrade
      stockdata migrate upgrade --dry-run    # the plan, the SQL, and what the data says about it
      stockdata migrate upgrade dceebfc4ff9f --database-url postgresql://app@db/stockdata
      stockdata migrate upgrade --accept-modified dceebfc4ff9f
    """
    import asyncio

    from app.infrastructure.database.migration import preview_upgrade, upgrade_database

    if dry_run:
        _print_preflight(asyncio.run(preview_upgrade(revision, database_url=database_url())), as_json)
        return
    confirmed = production_confirmed("accept modified revisions", flag=i_know_this_is_production) if accept else False
    _migrate(upgrade_database, revision, as_json, accept_modified=accept, production_confirmed=confirmed)


@click.command(cls=StepsBackCommand)
@click.argument("revision", default="-1")
@click.option("--dry-run", is_flag=True, help="Print the SQL and what it would destroy; change nothing.")
@yes_option
@production_option
@json_option
@common_options
def downgrade(revision: str, dry_run: bool, yes: bool, i_know_this_is_production: bool, as_json: bool) -> None:
    """Undo revisions down to REVISION (default: -1, one step). Shows what it destroys and asks first.

    Without a terminal to ask, --yes is required; a production database also needs its name typed, or
    --i-know-this-is-production.

    \b
    Examples:
      stockdata migrate downgrade --dry-run  # the SQL, what it drops with row counts, the pre-flight
      stockdata migrate downgrade            # undo the latest revision, after confirming
      stockdata migrate downgrade -2 --yes   # undo the latest two, no question
      stockdata migrate downgrade base --yes # undo everything
    """
    import asyncio

    from app.infrastructure.database.migration import downgrade_database, preview_downgrade

    # --yes shows nothing, so it reads nothing before the lock: waiting migrators must not count dropping tables.
    shown = None
    if dry_run or not yes:
        preview = asyncio.run(preview_downgrade(revision, database_url=database_url()))
        if dry_run:
            _print_preview(preview, as_json)
            return
        # A refused pre-flight needs no question: the run refuses it, with the findings, before changing anything.
        if preview.revisions and not any(finding.refused for finding in preview.findings):
            confirm_downgrade(preview)
        shown = [info.revision for info in preview.revisions]
    confirmed = production_confirmed("downgrade it", flag=i_know_this_is_production)
    _migrate(downgrade_database, revision, as_json, production_confirmed=confirmed, confirmed_revisions=shown)


def _print_preview(preview: DowngradePreview, as_json: bool) -> None:
    if as_json:
        findings = [preflight_rendering.finding_json(finding) for finding in preview.findings]
        rendering.emit_json("downgrade", dry_run=True, **rendering.preview_json(preview), findings=findings)
        return
    if not preview.revisions:
        click.echo(f"Nothing to do: the database is already at {rendering.revision_label(preview.current)}.")
        return
    click.echo(preview.sql, nl=False)
    for line in [*rendering.preview_lines(preview), *preflight_rendering.finding_lines(preview.findings, "downgrade")]:
        click.echo(line)
    click.echo("Dry run: nothing was changed.")


def _print_preflight(preflight: Preflight, as_json: bool) -> None:
    if as_json:
        rendering.emit_json("upgrade", dry_run=True, **preflight_rendering.preflight_json(preflight))
        return
    click.echo(preflight.sql, nl=False)
    for line in preflight_rendering.preflight_lines(preflight):
        click.echo(line)
    click.echo("Dry run: nothing was changed.")


@click.command()
@click.argument("revision")
@click.option(
    "--verified-by-hand",
    is_flag=True,
    help="Stamp a database without a revision even though adoption did not verify its tables: you have checked "
    "the schema yourself and take responsibility for any difference.",
)
@production_option
@json_option
@common_options
def stamp(revision: str, verified_by_hand: bool, i_know_this_is_production: bool, as_json: bool) -> None:
    """Record REVISION as applied without running any migration.

    A database with tables but no revision is stamped only when adoption verifies them (see `adopt`), unless
    --verified-by-hand. A production database needs its name typed, or --i-know-this-is-production.

    \b
    Examples:
      stockdata migrate stamp head
      stockdata migrate stamp dceebfc4ff9f --verified-by-hand   # after checking a refused database yourself
    """
    import asyncio

    from app.infrastructure.database.migration import stamp as stamp_database

    confirmed = production_confirmed("stamp it", flag=i_know_this_is_production)
    result = asyncio.run(
        stamp_database(
            revision,
            verified_by_hand=verified_by_hand,
            database_url=database_url(),
            on_event=_events(),
            production_confirmed=confirmed,
        )
    )
    if as_json:
        rendering.emit_json("stamp", **rendering.run_json(result))
    elif not is_quiet():
        before, after = rendering.revision_label(result.from_revisions), rendering.revision_label(result.to_revisions)
        click.echo(f"Stamped {before} → {after}.")


@click.command()
@click.option("--dry-run", is_flag=True, help="Show the detected state and the statements; change nothing.")
@json_option
@common_options
def adopt(dry_run: bool, as_json: bool) -> None:
    """Adopt a database built before Alembic: repair its tables in one transaction, then stamp the initial revision.

    Tables made by the legacy SQL files (sql/migrations_archive/) or by create_all() are brought to exactly what
    the initial revision creates; tables the application does not model are listed and left alone. A database in
    an unknown state is refused, unchanged, with its differences (exit code 15).

    \b
    Examples:
      stockdata migrate adopt --dry-run    # the detected state and the exact statements
      stockdata migrate adopt
    """
    import asyncio

    from app.infrastructure.database.migration import adopt_database
    from app.infrastructure.database.migration.errors import UnknownLegacyStateError

    try:
        result = asyncio.run(adopt_database(dry_run=dry_run, database_url=database_url()))
    except UnknownLegacyStateError as exc:
        if as_json:
            rendering.emit_json("adopt", state="unknown", dry_run=dry_run, applied=False, differences=exc.differences)
        raise
    if as_json:
        rendering.emit_json("adopt", dry_run=dry_run, **asdict(result))
    elif not is_quiet():
        for line in rendering.adoption_lines(result, dry_run=dry_run):
            click.echo(line)
