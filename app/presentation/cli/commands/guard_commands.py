"""``stockdata migrate`` commands that check or mark the database for the guards: check, verify, mark-environment."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

import click

from app.presentation.cli import rendering
from app.presentation.cli.confirmation import production_confirmed
from app.presentation.cli.options import (
    common_options,
    database_url,
    is_quiet,
    json_option,
    production_option,
)

if TYPE_CHECKING:
    pass


@click.command()
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
    import asyncio

    from app.infrastructure.database.migration import check_database
    from app.infrastructure.database.migration.errors import DriftDetectedError, PendingMigrationsError
    from app.infrastructure.database.migration.inspect.revisions import multiple_heads_error

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


@click.command()
@json_option
@common_options
def verify(as_json: bool) -> None:
    """List applied revisions whose script changed or disappeared since they ran (for CI and deploys).

    Formatting and comments do not count. Exit codes: 0 all match, 16 some changed or are missing.

    \b
    Example:
      stockdata migrate verify --json
    """
    import asyncio

    from app.infrastructure.database.migration import verify_migrations
    from app.infrastructure.database.migration.guard.history import mismatch_error

    result = asyncio.run(verify_migrations(database_url=database_url()))
    if as_json:
        rendering.emit_json("verify", **rendering.verification_json(result))
    elif not is_quiet() or not result.ok:
        for line in rendering.verification_lines(result):
            click.echo(line)
    if not result.ok:
        raise mismatch_error(result.mismatches, "upgrade refuses to run until this is resolved")


@click.command("mark-environment")
@click.argument("environment", type=click.Choice(["development", "test", "staging", "production"]))
@production_option
@common_options
def mark_environment(environment: str, i_know_this_is_production: bool) -> None:
    """Record in the database what it is; `production` guards downgrade, stamp and --accept-modified.

    \b
    Example:
      stockdata migrate mark-environment production
    """
    import asyncio

    from app.infrastructure.database.migration import mark_environment as mark

    leaving = environment != "production"
    confirmed = production_confirmed(f"mark it as {environment}", flag=i_know_this_is_production) if leaving else False
    marked = asyncio.run(mark(environment, database_url=database_url(), production_confirmed=confirmed))
    if not is_quiet():
        click.echo(f"Marked {marked.database} as {marked.environment}.")
