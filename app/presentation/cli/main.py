"""The ``stockdata`` command line: the root group and the one place where errors become exit codes."""

from __future__ import annotations

import sys
import traceback
from typing import Any

import click

from app import __version__
from app.core.errors import StockdataError
from app.presentation.cli import with_room
from app.presentation.cli.commands.migration_command import migrate
from app.presentation.cli.options import common_options

# Alembic imports Mako, whose error module loads Pygments when it is installed (pytest brings it into every
# development environment) to colour HTML error pages: about 0.1 s of every command's start. A command never
# renders one, so Mako is told Pygments is absent, as it is in a runtime-only installation.
sys.modules.setdefault("mako.ext.pygmentplugin", None)  # type: ignore[arg-type]


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


def main() -> None:
    """The ``stockdata`` console script and ``python -m app``: :data:`cli`, called with room on the frame stack."""
    with_room(lambda: cli(prog_name="stockdata"))
