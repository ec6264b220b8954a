"""Options shared by the ``migrate`` commands, defined once."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


class StepsBackCommand(click.Command):
    """A command whose REVISION may be a step back such as ``-1``, which click would otherwise read as an option."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        steps = [arg for arg in args if re.fullmatch(r"-\d+", arg)]
        if steps and "--" not in args:
            args = [*(arg for arg in args if arg not in steps), "--", *steps]
        return super().parse_args(ctx, args)


def _remember(key: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def store(ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        if value is not None and value is not False:
            ctx.meta[f"stockdata.{key}"] = value
        return value

    return store


def common_options(function: F) -> F:
    """``--database-url``, ``-v`` and ``-q``, kept in ``ctx.meta`` for every command to read.

    The groups take them too (``stockdata --database-url URL migrate upgrade``, ``stockdata migrate -v current``):
    ``ctx.meta`` is shared along the chain of contexts and a subcommand's callbacks run after its group's, so the
    value given closest to the command wins.
    """
    decorators = [
        click.option(
            "--database-url",
            metavar="URL",
            expose_value=False,
            callback=_remember("database_url"),
            help="Database to use for this call instead of DATABASE_URL (password never printed).",
        ),
        click.option(
            "-v",
            "--verbose",
            is_flag=True,
            expose_value=False,
            callback=_remember("verbose"),
            help="More detail, and a traceback on errors.",
        ),
        click.option(
            "-q", "--quiet", is_flag=True, expose_value=False, callback=_remember("quiet"), help="Print only errors."
        ),
    ]
    for decorator in reversed(decorators):
        function = decorator(function)
    return function


def _non_blank(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    # Alembic would name the file `<rev>_.py` and leave the docstring empty: a revision nobody can find again.
    if not value.strip():
        raise click.BadParameter('say what the revision does, e.g. -m "add isin to listed_info"')
    return value


message_option = click.option(
    "-m",
    "--message",
    required=True,
    callback=_non_blank,
    help="What the revision does; becomes part of its file name (not blank).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON document for scripts.")
yes_option = click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
production_option = click.option(
    "--i-know-this-is-production",
    is_flag=True,
    help="Confirm a guarded command on a database marked as production without typing its name (for scripts).",
)


def database_url() -> str | None:
    """The ``--database-url`` of the current command, if given."""
    value = click.get_current_context().meta.get("stockdata.database_url")
    return str(value) if value is not None else None


def is_quiet() -> bool:
    """True when ``-q`` was given."""
    return bool(click.get_current_context().meta.get("stockdata.quiet"))


def is_verbose() -> bool:
    """True when ``-v`` was given."""
    return bool(click.get_current_context().meta.get("stockdata.verbose"))
