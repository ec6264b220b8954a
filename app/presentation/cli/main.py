"""The ``stockdata`` command line: the root group and the one place where errors become exit codes."""

from __future__ import annotations

import traceback
from typing import Any

import click

from app import __version__
from app.core.errors import StockdataError
from app.presentation.cli.commands.migration_command import migrate
from app.presentation.cli.options import common_options


class StockdataGroup(click.Group):
    """A click group that prints expected failures as one line and exits with their documented code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except StockdataError as exc:
            if ctx.meta.get("stockdata.verbose"):
                traceback.print_exc()
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=StockdataGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="stockdata")
@common_options
def cli() -> None:
    """stockdata: Japanese stock-market data from J-Quants in a relational database.

    \b
    Examples:
      stockdata migrate upgrade          # bring the database to the latest schema
      stockdata migrate status           # what is applied, what is pending
    """


cli.add_command(migrate)
