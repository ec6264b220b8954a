"""What each recorded Alembic operation of a run needs counted on the live data, as :class:`Probe` values.

The operations are followed in run order with the names they use mapped to the tables and columns in the database
now: a table created earlier in the run (or dropped and created again) is empty and needs no probe, a rename is
followed, and a column added in the run is not in the data yet. A table whose rows ``op.execute`` or
``bulk_insert`` changed earlier in the run is no longer what the database holds now, so probes on it become notes;
a ``SELECT`` only reads the tables it names (``SELECT setval(…, (SELECT max(id) FROM t))`` moves a sequence), so it
changes nothing the probes count.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from alembic.operations import ops
from sqlalchemy import Boolean, and_, column, exists, literal_column, not_, table
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import TableClause, true
from sqlalchemy.types import TypeEngine

from app.infrastructure.database.migration.guard.estimate import find_losses
from app.infrastructure.database.migration.guard.narrowing import Condition, narrowings

TableKey = tuple[str | None, str]
"""``(schema, table)``."""
ColumnType = Callable[[TableKey, str], "TypeEngine[object] | None"]
"""The type of a column in the database now, ``None`` when there is no such column."""


@dataclass(frozen=True)
class Probe:
    """One operation to check against the data: where it is, what it does, and which rows it hits."""

    line: int
    kind: str
    table: TableKey
    """The table as it is in the database now."""
    columns: tuple[str, ...]
    """The columns involved, as they are named in the database now."""
    action: str
    unit: str
    destroys: bool
    condition: Condition | None
    """The rows hit; ``None`` for a unique key, whose duplicate groups are counted instead."""
    undoes_upgrade: bool = False
    """A downgrade dropping what the same revision's upgrade created."""


@dataclass
class RunNames:
    """The names a run's operations use, mapped to what is in the database before the run."""

    tables: dict[TableKey, TableKey | None] = field(default_factory=dict)
    """Run name → live name; ``None`` for a table created in the run."""
    columns: dict[tuple[TableKey, str], str | None] = field(default_factory=dict)
    revision: str = ""
    """The revision whose operations are being followed."""
    executed: list[tuple[str, str]] = field(default_factory=list)
    """Where (revision and line) and the lower-cased text of every ``op.execute`` / ``bulk_insert`` so far."""

    def live_table(self, key: TableKey) -> TableKey | None:
        """The table in the database now that the run calls ``key``; ``None`` when the run created it."""
        return self.tables.get(key, key)

    def live_column(self, key: TableKey, name: str) -> str | None:
        """The column in the database now that the run calls ``name`` in table ``key``; ``None`` when added."""
        return self.columns.get((key, name), name)

    def changed_at(self, live: TableKey) -> str | None:
        """Where an earlier statement of the run mentions ``live``'s table (and so may change its rows)."""
        word = re.compile(rf"\b{re.escape(live[1].lower())}\b")
        return next((where for where, sql in self.executed if word.search(sql)), None)

    def executes(self, line: int, sql: str) -> None:
        """Note that the run executes ``sql`` at ``line`` of the current revision."""
        self.executed.append((f"revision {self.revision} line {line}", sql.lower()))


def probes(operation: ops.MigrateOperation, line: int, names: RunNames, column_type: ColumnType) -> Iterator[Probe]:
    """The probes ``operation`` needs, updating ``names`` for the operations after it.

    ``column_type`` gives a live column's type, which a narrowing is measured against (the revision's
    ``existing_type`` only when the database has none).
    """
    match operation:
        case ops.CreateTableOp():
            names.tables[(operation.schema, operation.table_name)] = None
        case ops.RenameTableOp():
            old = (operation.schema, operation.table_name)
            names.tables[(operation.schema, operation.new_table_name)] = names.live_table(old)
            names.tables[old] = None
        case ops.BulkInsertOp():
            names.executes(line, operation.table.name)
        case ops.AlterColumnOp():
            yield from _alter_column(operation, line, names, column_type)
        case ops.CreateIndexOp() if operation.unique:
            yield from _unique(names, line, "add_unique", operation.schema, operation.table_name, operation.columns)
        case ops.CreateUniqueConstraintOp():
            yield from _unique(names, line, "add_unique", operation.schema, operation.table_name, operation.columns)
        case ops.CreatePrimaryKeyOp():
            yield from _unique(
                names, line, "add_primary_key", operation.schema, operation.table_name, operation.columns
            )
        case _:
            handler = _HANDLERS.get(type(operation))
            if handler is not None:
                yield from handler(operation, line, names)


def _drop_table(operation: ops.DropTableOp, line: int, names: RunNames) -> Iterator[Probe]:
    key = (operation.schema, operation.table_name)
    live = names.live_table(key)
    names.tables[key] = None
    if live is not None:
        yield Probe(line, "drop_table", live, (), f"drops table {key[1]}", "row", True, lambda _t: true())


def _drop_column(operation: ops.DropColumnOp, line: int, names: RunNames) -> Iterator[Probe]:
    key = (operation.schema, operation.table_name)
    live, column_name = _live(names, key, operation.column_name)
    names.columns[(key, operation.column_name)] = None
    if live is not None and column_name is not None:
        action = f"drops column {key[1]}.{operation.column_name}"
        yield Probe(line, "drop_column", live, (column_name,), action, "non-null value", True, _not_null(column_name))


def _execute_op(operation: ops.ExecuteSQLOp, line: int, names: RunNames) -> Iterator[Probe]:
    yield from _execute(str(operation.sqltext), line, names)


_HANDLERS: dict[type[ops.MigrateOperation], Callable[[Any, int, RunNames], Iterator[Probe]]] = {}


def _live(names: RunNames, key: TableKey, column: str) -> tuple[TableKey | None, str | None]:
    live = names.live_table(key)
    return live, (names.live_column(key, column) if live is not None else None)


def _not_null(column: str) -> Condition:
    return lambda t: t.c[column].is_not(None)


def _add_column(operation: ops.AddColumnOp, line: int, names: RunNames) -> Iterator[Probe]:
    key = (operation.schema, operation.table_name)
    added = operation.column
    names.columns[(key, added.name)] = None
    live = names.live_table(key)
    required = not added.nullable and added.server_default is None and added.computed is None
    if live is not None and required and not added.primary_key and added.identity is None:
        action = f"adds NOT NULL column {key[1]}.{added.name} without a server default"
        yield Probe(line, "add_required_column", live, (), action, "existing row", False, lambda _t: true())


def _alter_column(operation: ops.AlterColumnOp, line: int, names: RunNames, column_type: ColumnType) -> Iterator[Probe]:
    key = (operation.schema, operation.table_name)
    live, column = _live(names, key, operation.column_name)
    if operation.modify_name is not None:
        names.columns[(key, operation.modify_name)] = column
        names.columns[(key, operation.column_name)] = None
    if live is None or column is None:
        return
    where = f"{key[1]}.{operation.column_name}"
    if operation.modify_nullable is False:
        action = f"makes {where} NOT NULL"
        yield Probe(line, "add_not_null", live, (column,), action, "NULL row", False, lambda t: t.c[column].is_(None))
    if operation.modify_type is not None:
        old = column_type(live, column) or operation.existing_type
        yield from (
            Probe(line, "narrow_type", live, (column,), f"narrows {where} {change}", unit, destroys, condition)
            for change, unit, destroys, condition in narrowings(old, operation.modify_type, column)
        )


def _unique(
    names: RunNames, line: int, kind: str, schema: str | None, table_name: str, columns: object
) -> Iterator[Probe]:
    key = (schema, table_name)
    live = names.live_table(key)
    listed = list(columns) if isinstance(columns, list | tuple) else []
    if live is None or not listed or not all(isinstance(name, str) for name in listed):
        return
    mapped = [names.live_column(key, str(name)) for name in listed]
    if any(name is None for name in mapped):
        return
    what = "primary key" if kind == "add_primary_key" else "unique key"
    action = f"adds a {what} on {table_name} ({', '.join(map(str, listed))})"
    yield Probe(line, kind, live, tuple(str(name) for name in mapped), action, "duplicate group", False, None)


def _check(operation: ops.CreateCheckConstraintOp, line: int, names: RunNames) -> Iterator[Probe]:
    key = (operation.schema, operation.table_name)
    live = names.live_table(key)
    if live is None:
        return
    condition = operation.condition
    sql = condition if isinstance(condition, str) else str(condition.compile(compile_kwargs={"literal_binds": True}))
    action = f"adds CHECK {operation.constraint_name or ''} ({sql}) on {key[1]}".replace("CHECK  (", "CHECK (")
    violating = literal_column(f"NOT ({sql})", Boolean)
    yield Probe(line, "add_check", live, (), action, "violating row", False, lambda _t: violating)


def _foreign_key(operation: ops.CreateForeignKeyOp, line: int, names: RunNames) -> Iterator[Probe]:
    key = (operation.kw.get("source_schema"), operation.source_table)
    live = names.live_table(key)
    locals_ = [names.live_column(key, name) for name in operation.local_cols]
    if live is None or any(name is None for name in locals_):
        return
    local = [str(name) for name in locals_]
    referent_key = (operation.kw.get("referent_schema"), operation.referent_table)
    referent = names.live_table(referent_key)
    remote = [names.live_column(referent_key, name) if referent else name for name in operation.remote_cols]

    def orphans(t: TableClause) -> ColumnElement[bool]:
        present = and_(*(t.c[name].is_not(None) for name in local))
        if referent is None or any(name is None for name in remote):
            return present  # the referenced table or column is new in this run: it has no rows yet
        parent = table(referent[1], *(column(str(name)) for name in remote), schema=referent[0]).alias("referenced")
        match = and_(*(parent.c[str(r)] == t.c[name] for name, r in zip(local, remote, strict=True)))
        return and_(present, not_(exists().where(match)))

    target = f"{operation.referent_table} ({', '.join(operation.remote_cols)})"
    action = f"adds a foreign key on {key[1]} ({', '.join(operation.local_cols)}) → {target}"
    yield Probe(line, "add_foreign_key", live, tuple(local), action, "orphan row", False, orphans)


_SELECT = re.compile(r"\s*select\b", re.IGNORECASE)


def _execute(sql: str, line: int, names: RunNames) -> Iterator[Probe]:
    for loss in find_losses(sql):
        schema, _, table_name = loss.table.rpartition(".")
        key = (schema or None, table_name)
        live, column = (names.live_table(key), loss.column) if loss.column is None else _live(names, key, loss.column)
        if live is None or (loss.column is not None and column is None):
            continue
        if loss.kind == "drop_column" and column is not None:
            action = f"drops column {table_name}.{loss.column} (op.execute)"
            yield Probe(line, "drop_column", live, (column,), action, "non-null value", True, _not_null(column))
        else:
            verb = "drops table" if loss.kind == "drop_table" else "deletes rows from"
            yield Probe(line, loss.kind, live, (), f"{verb} {table_name} (op.execute)", "row", True, lambda _t: true())
        if loss.kind == "drop_table":
            names.tables[key] = None
    if not _SELECT.match(sql):
        names.executes(line, sql)


_HANDLERS.update(
    {
        ops.DropTableOp: _drop_table,
        ops.DropColumnOp: _drop_column,
        ops.AddColumnOp: _add_column,
        ops.CreateCheckConstraintOp: _check,
        ops.CreateForeignKeyOp: _foreign_key,
        ops.ExecuteSQLOp: _execute_op,
    }
)
