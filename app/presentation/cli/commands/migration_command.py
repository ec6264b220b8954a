"""``stockdata migrate``: the group that assembles the migration commands, one module per family.

Each command calls the API in :mod:`app.infrastructure.database.migration` and prints what it returns; failures
are raised as exceptions and turned into one line and an exit code by the root group. Heavy imports happen inside
the commands, so ``--help`` is fast.
"""

from __future__ import annotations

import click

from app.presentation.cli.commands import author_commands, guard_commands, inspect_commands, run_commands
from app.presentation.cli.options import common_options


@click.group()
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


for _command in (
    run_commands.upgrade,
    run_commands.downgrade,
    inspect_commands.current,
    inspect_commands.status,
    inspect_commands.history,
    inspect_commands.heads,
    author_commands.revision,
    author_commands.merge,
    guard_commands.check,
    run_commands.stamp,
    run_commands.adopt,
    inspect_commands.sql,
    author_commands.lint,
    guard_commands.verify,
    guard_commands.mark_environment,
):
    migrate.add_command(_command)
