"""Asking before destructive commands: the downgrade's estimate with a yes/no, and the production fence's name."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from app.presentation.cli import preflight_rendering, rendering
from app.presentation.cli.options import database_url

if TYPE_CHECKING:
    from app.infrastructure.database.migration.results import DowngradePreview


def confirm_downgrade(preview: DowngradePreview) -> None:
    """Show what the downgrade undoes and destroys and ask; raise ConfirmationRequiredError unless answered yes."""
    from app.infrastructure.database.migration.errors import ConfirmationRequiredError

    if not sys.stdin.isatty():
        listing = ", ".join(f"{info.revision} ({info.message})" for info in preview.revisions)
        losses = ", ".join(rendering.loss_line(loss) for loss in preview.losses) or "nothing"
        raise ConfirmationRequiredError(
            f"downgrade would undo {rendering.counted(len(preview.revisions), 'revision')}: {listing}, and destroy: "
            f"{losses}; nothing was changed. Re-run with --yes to confirm (there is no terminal to ask)"
        )
    for line in [*rendering.preview_lines(preview), *preflight_rendering.acknowledged_lines(preview.findings)]:
        click.echo(line)
    if not click.confirm("Go on?"):
        raise ConfirmationRequiredError("downgrade cancelled; nothing was changed")


def production_confirmed(action: str, *, flag: bool) -> bool:
    """Whether ``action`` may touch a production database: the flag, or the database's name typed at a terminal.

    Without a terminal this returns the flag, and the API refuses a production database with ProductionGuardError.
    """
    import asyncio

    if flag or not sys.stdin.isatty():
        return flag
    from app.infrastructure.database.migration import get_environment
    from app.infrastructure.database.migration.errors import ProductionGuardError

    environment = asyncio.run(get_environment(database_url=database_url()))
    if not environment.is_production:
        return False
    typed = click.prompt(
        f"This database is marked as production. Type its name ({environment.database}) to {action}",
        default="",
        show_default=False,
    )
    if typed.strip() != environment.database:
        raise ProductionGuardError(f"the name typed does not match {environment.database!r}; nothing was changed")
    return True
