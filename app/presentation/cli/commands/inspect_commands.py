"""``stockdata migrate`` commands that only read: current, status, history, heads, sql."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from app.presentation.cli import rendering
from app.presentation.cli.options import (
    common_options,
    database_url,
    is_quiet,
    json_option,
)

if TYPE_CHECKING:
    pass


@click.command()
@json_option
@common_options
def current(as_json: bool) -> None:
    """Show the database's revision and whether it is up to date.

    \b
    Example:
      stockdata migrate current --json
    """
    import asyncio

    from app.infrastructure.database.migration import get_status

    status = asyncio.run(get_status(database_url=database_url()))
    if as_json:
        payload = rendering.status_json(status)
        rendering.emit_json("current", **{key: payload[key] for key in ("current", "heads", "up_to_date", "pending")})
    else:
        click.echo(rendering.current_line(status))


@click.command()
@json_option
@common_options
def status(as_json: bool) -> None:
    """List every revision, applied [x] or pending [ ], oldest first.

    \b
    Example:
      stockdata migrate status
    """
    import asyncio

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


@click.command()
@json_option
@common_options
def history(as_json: bool) -> None:
    """List the revisions, newest first (no database needed).

    \b
    Examples:
      stockdata migrate history -v       # with creation dates
      stockdata migrate history --json   # oldest first, for scripts
    """
    import asyncio

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


@click.command()
@json_option
@common_options
def heads(as_json: bool) -> None:
    """List the head revisions of the scripts (more than one needs a merge).

    \b
    Example:
      stockdata migrate heads --json
    """
    import asyncio

    from app.infrastructure.database.migration import get_heads

    result = asyncio.run(get_heads())
    if as_json:
        rendering.emit_json("heads", heads=list(result))
    else:
        for head in result:
            click.echo(head)


@click.command()
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
    import asyncio

    from app.infrastructure.database.migration import render_sql

    text = asyncio.run(render_sql(revision_range, database_url=database_url()))
    click.echo(text, nl=False)
    if not text and not is_quiet():
        click.echo(f"Nothing to render: {revision_range} holds no revision.", err=True)
