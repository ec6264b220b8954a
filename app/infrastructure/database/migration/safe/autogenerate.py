"""Autogenerate writes the safe forms: for a table that already exists, the blocking operations become calls to
:mod:`app.infrastructure.database.migration.safe`, imported by the revision.

Only ``upgrade()`` is rewritten, and only for tables the revision does not create (a new table is empty: the plain
forms are instant there and stay in the revision's transaction). Index and foreign-key creations, NOT NULL and
type changes that rewrite the table leave their table's ``batch_alter_table`` block and follow it, so they run
after the columns they use were added. ``MIGRATION_SAFE_FORMS=false`` keeps the plain forms.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from alembic.autogenerate import render, renderers
from alembic.autogenerate.api import AutogenContext
from alembic.operations import ops
from alembic.runtime.migration import MigrationContext
from sqlalchemy import types

from app.core.config import get_settings

IMPORT = "from app.infrastructure.database.migration import safe"
Directives = Callable[[MigrationContext, Any, list[ops.MigrationScript]], None]


class SafeOperation(ops.MigrateOperation):
    """An operation rendered as a call to a safe form; ``wrapped`` is the plain operation it replaces."""

    def __init__(self, function: str, wrapped: ops.MigrateOperation) -> None:
        self.function = function
        self.wrapped = wrapped

    def render(self, context: AutogenContext) -> str:
        """The call, with the plain operation's arguments (the safe forms keep ``op``'s signatures)."""
        plain = render.render_op_text(context, self.wrapped)
        return plain.replace(f"op.{self.function}(", f"safe.{self.function}(", 1)


class SafeSetNotNull(SafeOperation):
    """``safe.set_not_null(table, column)``."""

    def __init__(self, wrapped: ops.AlterColumnOp) -> None:
        super().__init__("set_not_null", wrapped)
        self.alter = wrapped

    def render(self, context: AutogenContext) -> str:
        """The call."""
        return f"safe.set_not_null({self.alter.table_name!r}, {self.alter.column_name!r}{_schema(self.alter)})"


class SafeAlterColumnType(SafeOperation):
    """``safe.alter_column_type(table, column, type_, existing_type=…)``."""

    def __init__(self, wrapped: ops.AlterColumnOp, type_: types.TypeEngine[Any]) -> None:
        super().__init__("alter_column_type", wrapped)
        self.alter, self.type_ = wrapped, type_

    def render(self, context: AutogenContext) -> str:
        """The call."""
        existing_type = self.alter.existing_type
        existing = f", existing_type={render._repr_type(existing_type, context)}" if existing_type is not None else ""
        if self.alter.existing_nullable is not None:
            existing += f", existing_nullable={self.alter.existing_nullable!r}"
        return (
            f"safe.alter_column_type({self.alter.table_name!r}, {self.alter.column_name!r}, "
            f"{render._repr_type(self.type_, context)}{existing}{_schema(self.alter)})"
        )


@renderers.dispatch_for(SafeOperation)
def _render(context: AutogenContext, operation: SafeOperation) -> str:
    context.imports.add(IMPORT)
    return operation.render(context)


def _schema(operation: ops.AlterColumnOp) -> str:
    return f", schema={operation.schema!r}" if operation.schema else ""


def with_safe_forms(then: Directives | None) -> Directives:
    """A ``process_revision_directives`` hook running ``then`` (the caller's), then writing the safe forms."""

    def process(context: MigrationContext, revision: Any, directives: list[ops.MigrationScript]) -> None:
        if then is not None:
            then(context, revision, directives)
        if directives and directives[0].upgrade_ops is not None and get_settings().migration_safe_forms:
            rewrite(directives[0].upgrade_ops)

    return process


def rewrite(upgrade: ops.UpgradeOps) -> None:
    """Replace, in place, the blocking operations on existing tables by their safe forms."""
    created = {item.table_name for item in upgrade.ops if isinstance(item, ops.CreateTableOp)}
    rewritten: list[ops.MigrateOperation] = []
    for item in upgrade.ops:
        if getattr(item, "table_name", None) in created:
            rewritten.append(item)
        elif isinstance(item, ops.ModifyTableOps):
            split = [_split(operation) for operation in item.ops]
            item.ops = [stays for stays, _ in split if stays is not None]
            rewritten.extend([item] if item.ops else [])
            rewritten.extend(safe for _, moved in split for safe in moved)
        else:
            stays, moved = _split(item)
            rewritten.extend([stays, *moved] if stays is not None else moved)
    upgrade.ops = rewritten


def _split(operation: ops.MigrateOperation) -> tuple[ops.MigrateOperation | None, list[SafeOperation]]:
    """What of ``operation`` stays plain (``None``: nothing), and its safe forms."""
    if isinstance(operation, ops.CreateIndexOp):
        return None, [SafeOperation("create_index", operation)]
    if isinstance(operation, ops.CreateForeignKeyOp):
        return None, [SafeOperation("create_foreign_key", operation)]
    if not isinstance(operation, ops.AlterColumnOp):
        return operation, []
    rest, moved = copy.copy(operation), list[SafeOperation]()
    if operation.modify_type is not None and _rewrites(operation.existing_type, operation.modify_type):
        moved.append(SafeAlterColumnType(operation, operation.modify_type))
        rest.modify_type = None
    if operation.modify_nullable is False:
        moved.append(SafeSetNotNull(operation))
        rest.modify_nullable = None
    still_changes = (
        rest.modify_type is not None
        or rest.modify_nullable is not None
        or rest.modify_server_default is not False
        or rest.modify_comment is not False
        or rest.modify_name is not None
    )
    return (rest if still_changes else None), moved


def _rewrites(existing: Any, new: Any) -> bool:
    """Whether PostgreSQL rewrites the table for this type change (widening a string type does not)."""
    if isinstance(existing, types.String) and isinstance(new, types.String):
        return new.length is not None and (existing.length is None or new.length < existing.length)
    return True
