"""``stockdata migrate``: thin commands over :mod:`app.infrastructure.database.migration`.

Each command calls the API and prints what it returns; failures are raised as exceptions and turned into one line
and an exit code by the root group. Heavy imports happen inside the commands, so ``--help`` is fast.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import click

from app.presentation.cli import rendering
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
    from app.infrastructure.database.migration import DowngradePreview, MigrationEvent, MigrationStep, RunResult


@click.group()
def migrate() -> None:
    """Manage the database schema with Alembic migrations.

    The database is DATABASE_URL (default: the embedded SQLite file data/stockdata.db), or --database-url.
    Errors print one line and exit with a documented code (docs/migrations.en.md, "Troubleshooting").

    \b
    Examples:
      stockdata migrate upgrade                      # apply every pending revision
      stockdata migrate status                       # applied and pending revisions
      stockdata migrate revision -m "add isin"       # autogenerate a revision from the models
      stockdata migrate check                        # CI: fail on pending revisions or drift
      stockdata migrate adopt --dry-run              # a database built before Alembic: what adoption does
    """


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


@migrate.command()
@click.argument("revision", default="head")
@click.option(
    "--accept-modified",
    "accept",
    metavar="REV",
    multiple=True,
    help="Accept that applied revision REV's script changed (or is gone): record its new checksum. Repeatable.",
)
@production_option
@json_option
@common_options
def upgrade(revision: str, accept: tuple[str, ...], i_know_this_is_production: bool, as_json: bool) -> None:
    """Apply revisions up to REVISION (default: head), each in its own transaction.

    A database built before Alembic (tables but no revision) is adopted first, as `adopt` does.

    Safe to run from every instance at once: one migrates while the others wait for its lock
    (MIGRATION_LOCK_TIMEOUT), then find nothing left to do.

    Refuses while applied revisions' scripts changed since they ran (see `verify`), unless accepted.

    \b
    Examples:
      stockdata migrate upgrade
      stockdata migrate upgrade dceebfc4ff9f --database-url postgresql://app@db/stockdata
      stockdata migrate upgrade --accept-modified dceebfc4ff9f
    """
    from app.infrastructure.database.migration import upgrade_database

    confirmed = production_confirmed("accept modified revisions", flag=i_know_this_is_production) if accept else False
    _migrate(upgrade_database, revision, as_json, accept_modified=accept, production_confirmed=confirmed)


@migrate.command(cls=StepsBackCommand)
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
      stockdata migrate downgrade --dry-run  # the SQL, and the tables/columns it drops with row counts
      stockdata migrate downgrade            # undo the latest revision, after confirming
      stockdata migrate downgrade -2 --yes   # undo the latest two, no question
      stockdata migrate downgrade base --yes # undo everything
    """
    from app.infrastructure.database.migration import downgrade_database, preview_downgrade

    preview = asyncio.run(preview_downgrade(revision, database_url=database_url()))
    if dry_run:
        _print_preview(preview, as_json)
        return
    if preview.revisions and not yes:
        confirm_downgrade(preview)
    confirmed = production_confirmed("downgrade it", flag=i_know_this_is_production)
    _migrate(downgrade_database, revision, as_json, production_confirmed=confirmed)


def _print_preview(preview: DowngradePreview, as_json: bool) -> None:
    if as_json:
        rendering.emit_json("downgrade", dry_run=True, **rendering.preview_json(preview))
        return
    click.echo(preview.sql, nl=False)
    for line in rendering.preview_lines(preview):
        click.echo(line)
    click.echo("Dry run: nothing was changed.")


@migrate.command()
@json_option
@common_options
def current(as_json: bool) -> None:
    """Show the database's revision and whether it is up to date.

    \b
    Example:
      stockdata migrate current --json
    """
    from app.infrastructure.database.migration import get_status

    status = asyncio.run(get_status(database_url=database_url()))
    if as_json:
        payload = rendering.status_json(status)
        rendering.emit_json("current", **{key: payload[key] for key in ("current", "heads", "up_to_date", "pending")})
    else:
        click.echo(rendering.current_line(status))


@migrate.command()
@json_option
@common_options
def status(as_json: bool) -> None:
    """List every revision, applied [x] or pending [ ], oldest first.

    \b
    Example:
      stockdata migrate status
    """
    from app.infrastructure.database.migration import get_status

    result = asyncio.run(get_status(database_url=database_url()))
    if as_json:
        rendering.emit_json("status", **rendering.status_json(result))
        return
    for line in rendering.status_table(result):
        click.echo(line)
    click.echo(rendering.current_line(result))
    if (environment := rendering.environment_line(result)) is not None:
        click.echo(environment)


@migrate.command()
@json_option
@common_options
def history(as_json: bool) -> None:
    """List the revisions, newest first (no database needed).

    \b
    Examples:
      stockdata migrate history -v       # with creation dates
      stockdata migrate history --json   # oldest first, for scripts
    """
    from app.infrastructure.database.migration import show_history
    from app.presentation.cli.options import is_verbose

    result = asyncio.run(show_history())
    if as_json:
        rendering.emit_json("history", revisions=[rendering.revision_json(info) for info in result])
        return
    for info in reversed(result):
        parent = rendering.revision_label(info.down_revisions) if info.down_revisions else "<base>"
        head = " (head)" if info.is_head else ""
        date = f"  [{info.create_date}]" if is_verbose() and info.create_date else ""
        click.echo(f"{parent} -> {info.revision}{head}, {info.message}{date}")


@migrate.command()
@json_option
@common_options
def heads(as_json: bool) -> None:
    """List the head revisions of the scripts (more than one needs a merge).

    \b
    Example:
      stockdata migrate heads --json
    """
    from app.infrastructure.database.migration import get_heads

    result = asyncio.run(get_heads())
    if as_json:
        rendering.emit_json("heads", heads=list(result))
    else:
        for head in result:
            click.echo(head)


@migrate.command()
@click.option("-m", "--message", required=True, help="What the revision does; becomes part of its file name.")
@click.option(
    "--autogenerate/--empty",
    default=True,
    show_default=True,
    help="Compare the models with the database (which must be at head), or write an empty revision to fill by hand.",
)
@click.option(
    "--interactive",
    is_flag=True,
    help="Ask about each dropped and added column or table that look like a rename; write renames for the yes.",
)
@common_options
def revision(message: str, autogenerate: bool, interactive: bool) -> None:
    """Write a new revision file under alembic/versions/.

    A drop and an add of the same shape (a likely rename, which would lose the data) is reported with the lines
    to change; --interactive asks about each instead and writes the rename.

    \b
    Examples:
      stockdata migrate revision -m "add isin to listed_info"
      stockdata migrate revision -m "rename company_name_english" --interactive
      stockdata migrate revision -m "backfill market codes" --empty
    """
    from app.infrastructure.database.migration import create_revision, find_rename_hints

    ask = (lambda hint: click.confirm(rendering.rename_question(hint), default=False)) if interactive else None
    path = asyncio.run(create_revision(message, autogenerate, database_url=database_url(), confirm_rename=ask))
    if not is_quiet():
        click.echo(f"Wrote {path}. Review it before applying: autogenerate cannot see renames or data moves.")
        for hint in asyncio.run(find_rename_hints(path)):
            click.echo(rendering.rename_warning(hint, path), err=True)


@migrate.command()
@json_option
@common_options
def check(as_json: bool) -> None:
    """Fail when revisions are pending or the models and the database differ (for CI).

    Exit codes: 0 all good, 7 several heads to merge, 9 pending revisions, 10 drift between models and database.
    Tables the models do not define (another program's, or left by older tools) are not compared; they are listed
    in a note.

    \b
    Example:
      stockdata migrate check --json
    """
    from app.infrastructure.database.migration import check_database
    from app.infrastructure.database.migration.errors import DriftDetectedError, PendingMigrationsError
    from app.infrastructure.database.migration.revisions import multiple_heads_error

    result = asyncio.run(check_database(database_url=database_url()))
    status_, differences, ignored = result.status, list(result.differences), result.ignored_tables
    if len(status_.heads) > 1:
        raise multiple_heads_error(status_.heads)
    if as_json:
        rendering.emit_json(
            "check",
            ok=not status_.pending and not differences,
            pending=[info.revision for info in status_.pending],
            differences=[asdict(difference) for difference in differences],
            ignored_tables=list(ignored),
        )
    elif ignored and not is_quiet():
        click.echo(f"Note: not modelled by the application, so not compared: {', '.join(ignored)}.")
    if status_.pending:
        pending = ", ".join(info.revision for info in status_.pending)
        raise PendingMigrationsError(
            f"{rendering.counted(len(status_.pending), 'revision')} pending ({pending}); "
            "run `stockdata migrate upgrade`"
        )
    if differences:
        if not as_json:
            click.echo("The models and the database differ:")
            for line in rendering.difference_lines(differences):
                click.echo(line)
        raise DriftDetectedError(
            f"{rendering.counted(len(differences), 'difference')} between the models and the database; "
            'generate a revision with `stockdata migrate revision -m "..."`',
            differences,
        )
    if not as_json and not is_quiet():
        click.echo("OK: no pending revisions, and the models match the database.")


@migrate.command()
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


@migrate.command()
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


@migrate.command()
@click.argument("revision_range", metavar="[FROM:]TO", default="head")
@common_options
def sql(revision_range: str) -> None:
    """Print the SQL of a range of revisions for the database's dialect, without connecting.

    FROM defaults to base; a range whose TO is below FROM prints the downgrade SQL. Name the revisions: relative
    steps such as -1 need a database to count from.

    \b
    Examples:
      stockdata migrate sql                    # base → head, to review before a deploy
      stockdata migrate sql dceebfc4ff9f:head  # what an upgrade from dceebfc4ff9f would run
      stockdata migrate sql dceebfc4ff9f:base  # the downgrade SQL
    """
    from app.infrastructure.database.migration import render_sql

    text = asyncio.run(render_sql(revision_range, database_url=database_url()))
    click.echo(text, nl=False)
    if not text and not is_quiet():
        click.echo(f"Nothing to render: {revision_range} holds no revision.", err=True)


@migrate.command()
@click.argument("revision_ids", metavar="[REV]...", nargs=-1)
@click.option("--all", "all_revisions", is_flag=True, help="Lint every revision (needs no database).")
@json_option
@common_options
def lint(revision_ids: tuple[str, ...], all_revisions: bool, as_json: bool) -> None:
    """Find dangerous operations in revisions: squawk on their PostgreSQL SQL, plus checks SQL cannot show.

    Lints the revisions the database has not applied, the REVs named, or --all. Prints one line per finding,
    `revision:line rule severity: message`; exits 18 when any finding is an error (warnings only print).

    \b
    Examples:
      stockdata migrate lint                 # what the next upgrade would apply
      stockdata migrate lint --all           # every revision, as CI does
      stockdata migrate lint 3f2a9c1b --json
    """
    from app.infrastructure.database.migration import lint_migrations
    from app.infrastructure.database.migration.errors import LintFailedError

    if revision_ids and all_revisions:
        raise click.UsageError("name revisions or use --all, not both")
    report = asyncio.run(lint_migrations(revision_ids, all_revisions=all_revisions, database_url=database_url()))
    if as_json:
        rendering.emit_json("lint", **rendering.lint_json(report))
    else:
        for line in rendering.lint_lines(report, errors_only=is_quiet()):
            click.echo(line)
    if report.errors:
        raise LintFailedError(
            f"{len(report.errors)} lint error(s); fix them, or silence one with a reason "
            "(`# migrate-lint: ignore[rule] why`; see Lint in docs/migrations.en.md)"
        )


@migrate.command()
@json_option
@common_options
def verify(as_json: bool) -> None:
    """List applied revisions whose script changed or disappeared since they ran (for CI and deploys).

    Formatting and comments do not count. Exit codes: 0 all match, 16 some changed or are missing.

    \b
    Example:
      stockdata migrate verify --json
    """
    from app.infrastructure.database.migration import verify_migrations
    from app.infrastructure.database.migration.history import mismatch_error

    result = asyncio.run(verify_migrations(database_url=database_url()))
    if as_json:
        rendering.emit_json("verify", **rendering.verification_json(result))
    elif not is_quiet() or not result.ok:
        for line in rendering.verification_lines(result):
            click.echo(line)
    if not result.ok:
        raise mismatch_error(result.mismatches, "upgrade refuses to run until this is resolved")


@migrate.command("mark-environment")
@click.argument("environment", type=click.Choice(["development", "test", "staging", "production"]))
@production_option
@common_options
def mark_environment(environment: str, i_know_this_is_production: bool) -> None:
    """Record in the database what it is; `production` guards downgrade, stamp and --accept-modified.

    \b
    Example:
      stockdata migrate mark-environment production
    """
    from app.infrastructure.database.migration import mark_environment as mark

    leaving = environment != "production"
    confirmed = production_confirmed(f"mark it as {environment}", flag=i_know_this_is_production) if leaving else False
    marked = asyncio.run(mark(environment, database_url=database_url(), production_confirmed=confirmed))
    if not is_quiet():
        click.echo(f"Marked {marked.database} as {marked.environment}.")
