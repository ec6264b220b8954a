"""``stockdata migrate`` commands for writing revisions: revision, merge, lint."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from app.presentation.cli import rendering
from app.presentation.cli.options import (
    common_options,
    database_url,
    is_quiet,
    json_option,
    message_option,
)

if TYPE_CHECKING:
    pass


@click.command()
@message_option
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

    The file is formatted by ruff and self-checked: it must import, have no ruff error and render offline for
    PostgreSQL and SQLite. A failure exits 20 naming the line, and keeps the file for editing.

    \b
    Examples:
      stockdata migrate revision -m "add isin to listed_info"
      stockdata migrate revision -m "rename company_name_english" --interactive
      stockdata migrate revision -m "backfill market codes" --empty
    """
    import asyncio

    from app.infrastructure.database.migration import create_revision, find_rename_hints

    ask = (lambda hint: click.confirm(rendering.rename_question(hint), default=False)) if interactive else None
    note = None if is_quiet() else (lambda text: click.echo(f"Note: {text}"))
    path = asyncio.run(
        create_revision(message, autogenerate, database_url=database_url(), confirm_rename=ask, on_note=note)
    )
    if not is_quiet():
        click.echo(f"Wrote {path}. Review it before applying: autogenerate cannot see renames or data moves.")
        for hint in asyncio.run(find_rename_hints(path)):
            click.echo(rendering.rename_warning(hint, path), err=True)


@click.command()
@click.argument("revision_ids", metavar="[REV]...", nargs=-1)
@message_option
@common_options
def merge(revision_ids: tuple[str, ...], message: str) -> None:
    """Write a merge revision joining REVs (default: every head) into one head; no database needed.

    Two branches of work each adding a revision leave two heads, and `upgrade` and `check` then stop (exit 7).
    The merge revision has both as parents and changes nothing itself; review and commit it, then upgrade.
    Exits 11 when there is a single head, so nothing to merge.

    \b
    Examples:
      stockdata migrate merge -m "merge heads"
      stockdata migrate merge 3f2a9c1b 7d4e0a2c -m "merge isin and market codes"
    """
    import asyncio

    from app.infrastructure.database.migration import merge_revisions

    path = asyncio.run(merge_revisions(revision_ids, message=message))
    if not is_quiet():
        click.echo(f"Wrote {path}. Commit it, then run `stockdata migrate upgrade`.")


@click.command()
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
    import asyncio

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
        for note in () if is_quiet() else report.notes:
            click.echo(f"Note: {note}")
    if report.errors:
        raise LintFailedError(
            f"{len(report.errors)} lint error(s); fix them, or silence one with a reason "
            "(`# migrate-lint: ignore[rule] why`; see Lint in docs/migrations.en.md)"
        )
