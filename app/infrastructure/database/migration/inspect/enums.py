"""PostgreSQL ENUM values: Alembic never compares them, so a value added to a model's ``Enum`` would never migrate.

:func:`compare_enum_values` compares each named ENUM type of the models with the database's and records an
:class:`EnumValuesOp`; authoring renders it (``ALTER TYPE … ADD VALUE`` up, a rebuild of the type down) and ``check``
reports it. SQLite has no ENUM types (an ``Enum`` is a VARCHAR there), so nothing is compared on it.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate.api import AutogenContext
from alembic.operations import ops
from alembic.runtime.plugins import Plugin
from alembic.util import PriorityDispatchResult
from sqlalchemy import Enum

PLUGIN = "stockdata.enum_values"
"""The name of the Alembic autogenerate plugin comparing ENUM values (enabled in ``comparison_options``)."""


class EnumValuesOp(ops.MigrateOperation):
    """Change the values of a PostgreSQL ENUM type from ``before`` to ``after``."""

    def __init__(
        self, name: str, before: tuple[str, ...], after: tuple[str, ...], columns: tuple[tuple[str, str], ...]
    ) -> None:
        self.name = name
        self.before = before
        self.after = after
        self.columns = columns
        """``(table, column)`` of every column of the type in the models."""

    def reverse(self) -> EnumValuesOp:
        """The change back."""
        return EnumValuesOp(self.name, self.after, self.before, self.columns)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        """How ``check`` reports it."""
        return ("modify_enum", self.name, self.before, self.after)


def compare_enum_values(
    autogen_context: AutogenContext, upgrade_ops: ops.UpgradeOps, _schemas: Any
) -> PriorityDispatchResult:
    """Alembic comparator (PostgreSQL): an :class:`EnumValuesOp` for each ENUM whose values differ from the models'."""
    if autogen_context.inspector is None or autogen_context.metadata is None:
        return PriorityDispatchResult.CONTINUE
    reflected = {item["name"]: tuple(item["labels"]) for item in autogen_context.inspector.get_enums()}  # type: ignore[attr-defined]
    models: dict[str, tuple[tuple[str, ...], list[tuple[str, str]]]] = {}
    for table in autogen_context.sorted_tables:
        for column in table.columns:
            type_ = column.type
            if isinstance(type_, Enum) and type_.native_enum and type_.name:
                values, columns = models.setdefault(str(type_.name), (tuple(type_.enums), []))
                columns.append((table.name, column.name))
    for name, (values, columns) in sorted(models.items()):
        if name in reflected and reflected[name] != values:
            upgrade_ops.ops.insert(0, EnumValuesOp(name, reflected[name], values, tuple(columns)))
    return PriorityDispatchResult.CONTINUE


# Registered once, on import; enabled by name where the comparison options are built.
Plugin(PLUGIN).add_autogenerate_comparator(compare_enum_values, "schema", "enum_values", qualifier="postgresql")
