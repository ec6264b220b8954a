"""Tables created and dropped in foreign-key order: autogenerate lists them by name, and PostgreSQL refuses to drop a
table another still references, or to create one that references a table not yet there."""

from __future__ import annotations

from graphlib import TopologicalSorter

from alembic.operations import ops

Segment = list[ops.MigrateOperation]


def in_dependency_order(container: ops.OpContainer) -> None:
    """Reorder, in place, the top-level table creates (referenced tables first) and drops (referencing tables first)
    of ``container``, each with the index operations on its table that autogenerate writes next to it."""
    for kind in (ops.CreateTableOp, ops.DropTableOp):
        slots = _slots(container.ops, kind)
        if len(slots) < 2:
            continue
        segments = {_table(container.ops[start:end], kind).table_name: container.ops[start:end] for start, end in slots}
        graph = {
            name: _references(_table(segment, kind)) & segments.keys() - {name} for name, segment in segments.items()
        }
        order = list(TopologicalSorter(graph).static_order())  # referenced tables first
        if kind is ops.DropTableOp:
            order.reverse()
        ordered = iter([segments[name] for name in order])
        rebuilt: Segment = []
        cursor = 0
        for start, end in slots:
            rebuilt += container.ops[cursor:start] + next(ordered)
            cursor = end
        container.ops[:] = rebuilt + container.ops[cursor:]


def _slots(items: Segment, kind: type[ops.MigrateOperation]) -> list[tuple[int, int]]:
    """Index ranges of each create (with the index operations after it) or drop (with those before it)."""
    slots = []
    for index, item in enumerate(items):
        if not isinstance(item, kind):
            continue
        name = getattr(item, "table_name", None)
        start, end = index, index + 1
        if kind is ops.DropTableOp and index and _on(items[index - 1], name):
            start -= 1
        if kind is ops.CreateTableOp and end < len(items) and _on(items[end], name):
            end += 1
        slots.append((start, end))
    return slots


def _on(item: ops.MigrateOperation, table: str | None) -> bool:
    return isinstance(item, ops.ModifyTableOps) and item.table_name == table


def _table(segment: Segment, kind: type[ops.MigrateOperation]) -> ops.CreateTableOp | ops.DropTableOp:
    return next(item for item in segment if isinstance(item, kind))  # type: ignore[return-value]


def _references(operation: ops.CreateTableOp | ops.DropTableOp) -> set[str]:
    table = operation.to_table()
    return {key.target_fullname.rsplit(".", 1)[0] for key in table.foreign_keys}
