"""What a table rename must rename with it: the constraints named after the table (the naming convention).

``rename_table`` keeps ``stocks_pkey`` and ``uq_stocks_ticker_symbol`` on the renamed ``equities``, so the models'
names (``equities_pkey`` …) would never match again and a later revision dropping one by name would fail.
Autogenerate drops the old table's indexes and creates the new one's: those named after the table are re-created
under their new names, but one whose name stays (``idx_org``) moves with the table, so that pair is removed
(:func:`moved_indexes`). PostgreSQL renames a constraint
in place; SQLite cannot, so the table is rebuilt in batch mode with the constraints under their new names.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.operations import ops
from sqlalchemy import CheckConstraint, PrimaryKeyConstraint, UniqueConstraint
from sqlalchemy.schema import Constraint

from app.infrastructure.database.migration.inspect.constraints import normalize_check

_KINDS = {PrimaryKeyConstraint: "primary", UniqueConstraint: "unique", CheckConstraint: "check"}


class RenameConstraintsOp(ops.MigrateOperation):
    """Rename constraints of ``table``: ``(kind, old name, new name, columns or CHECK text)`` each."""

    def __init__(self, table: str, renames: list[tuple[str, str, str, Any]]) -> None:
        self.table = table
        self.renames = renames

    def reverse(self) -> RenameConstraintsOp:
        """The renames back."""
        return RenameConstraintsOp(self.table, [(kind, new, old, what) for kind, old, new, what in self.renames])


def companions(old: ops.CreateTableOp | None, new: ops.CreateTableOp) -> RenameConstraintsOp | None:
    """The constraint renames that go with renaming the table of ``old`` (as reflected) to that of ``new``."""
    if old is None:
        return None
    before = {_key(item): item for item in old.columns if isinstance(item, Constraint) and item.name}
    renames = []
    for item in new.columns:
        if not isinstance(item, Constraint) or type(item) not in _KINDS or not item.name:
            continue
        match = before.get(_key(item))
        if match is not None and str(match.name) != str(item.name):
            renames.append((_KINDS[type(item)], str(match.name), str(item.name), _what(item)))
    return RenameConstraintsOp(new.table_name, sorted(renames)) if renames else None


def _key(constraint: Constraint) -> tuple[str, ...]:
    if isinstance(constraint, CheckConstraint):
        return ("check", normalize_check(_what(constraint)))
    return (type(constraint).__name__, *sorted(column.name for column in getattr(constraint, "columns", [])))


def _what(constraint: Constraint) -> Any:
    if isinstance(constraint, CheckConstraint):
        return str(getattr(constraint.sqltext, "text", constraint.sqltext))
    return [column.name for column in getattr(constraint, "columns", [])]


@renderers.dispatch_for(RenameConstraintsOp)
def _render(_context: AutogenContext, operation: RenameConstraintsOp) -> str:
    lines = ['if op.get_bind().dialect.name == "sqlite":']
    lines.append(f'    with op.batch_alter_table("{operation.table}", recreate="always") as batch_op:')
    for kind, old, new, what in operation.renames:
        lines.append(f'        batch_op.drop_constraint("{old}", type_="{kind}")')
        create = {"primary": "create_primary_key", "unique": "create_unique_constraint"}.get(kind)
        if create is None:
            lines.append(f'        batch_op.create_check_constraint("{new}", {what!r})')
        else:
            lines.append(f'        batch_op.{create}("{new}", {what!r})')
    lines.append("else:")
    lines += [
        f'    op.execute("ALTER TABLE {operation.table} RENAME CONSTRAINT {old} TO {new}")'
        for _kind, old, new, _what in operation.renames
    ]
    return "\n".join(lines)


def moved_indexes(leaves: Sequence[ops.MigrateOperation], old: str, new: str) -> list[ops.MigrateOperation]:
    """Among ``leaves``, each drop of an index of ``old`` with the create of the same index (same name and columns)
    on ``new``: the renamed table keeps that index, so both go."""
    drops = {item.index_name: item for item in leaves if isinstance(item, ops.DropIndexOp) and item.table_name == old}
    moved: list[ops.MigrateOperation] = []
    for create in [item for item in leaves if isinstance(item, ops.CreateIndexOp) and item.table_name == new]:
        drop = drops.get(str(create.index_name))
        reverse = getattr(drop, "_reverse", None)
        if drop is not None and (reverse is None or _names(reverse.columns) == _names(create.columns)):
            moved += [drop, create]
    return moved


def _names(columns: Sequence[Any]) -> list[str]:
    return [str(getattr(column, "name", column)) for column in columns]
