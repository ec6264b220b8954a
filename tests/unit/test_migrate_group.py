"""The ``migrate`` group loads each command's module only when the command is looked up; every name it lists
loads a command of that name, and an unknown name is no command (click then says so and exits with 2)."""

from __future__ import annotations

import click

from app.presentation.cli.commands.migration_command import COMMANDS, migrate


def test_every_listed_command_loads_under_its_own_name() -> None:
    context = click.Context(migrate)

    names = migrate.list_commands(context)
    loaded = {name: migrate.get_command(context, name) for name in names}

    assert names == sorted(COMMANDS)
    assert {name: command.name if command is not None else None for name, command in loaded.items()} == {
        name: name for name in names
    }
    assert migrate.get_command(context, "upgrades") is None
