"""``stockdata migrate``: the group that assembles the migration commands, one module per family.

Each command calls the API in :mod:`app.infrastructure.database.migration` and prints what it returns; failures
are raised as exceptions and turned into one line and an exit code by the root group. Heavy imports happen inside
the commands, so ``--help`` is fast, and a command's module is imported only when that command (or the group's
help, which lists them all) is asked for.
"""

from __future__ import annotations

from importlib import import_module
from typing import cast

import click

from app.presentation.cli.options import common_options

COMMANDS = {
    "upgrade": "run_commands.upgrade",
    "downgrade": "run_commands.downgrade",
    "stamp": "run_commands.stamp",
    "adopt": "run_commands.adopt",
    "current": "inspect_commands.current",
    "status": "inspect_commands.status",
    "history": "inspect_commands.history",
    "heads": "inspect_commands.heads",
    "sql": "inspect_commands.sql",
    "revision": "author_commands.revision",
    "merge": "author_commands.merge",
    "lint": "author_commands.lint",
    "check": "guard_commands.check",
    "verify": "guard_commands.verify",
    "mark-environment": "guard_commands.mark_environment",
}
"""Each command's name and where it is defined, under :mod:`app.presentation.cli.commands`."""


class MigrateGroup(click.Group):
    """A click group whose commands are imported from :data:`COMMANDS` when first looked up (click's documented
    pattern for lazily loaded subcommands)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, _, name = COMMANDS[cmd_name].rpartition(".")
        return cast(click.Command, getattr(import_module(f"app.presentation.cli.commands.{module}"), name))


@click.group(cls=MigrateGroup)
@common_options
def migrate() -> None:
    """Manage the database schema with Alembic migrations.

    The database is DATABASE_URL (default: the embedded SQLite file data/stockdata.db), or --database-url.
    Errors print one line and exit with a documented code (docs/migrations.en.md, "Troubleshooting").

    \b
    Examples:
      stockdata migrate upgrade                      # apply every pending revision
      stockdata migrate status                       # applied and pending revisions
      stockdata migrate revision -m "add isin"       # autogenerate a revision from the models
      stockdata migrate merge -m "merge heads"       # join two branches' revisions into one head
      stockdata migrate check                        # CI: fail on pending revisions or drift
      stockdata migrate adopt --dry-run              # a database built before Alembic: what adoption does
    """
