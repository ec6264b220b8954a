"""What a type change carries over from the old column to its shadow: the primary key, the column's own indexes
and the sequence it owns — so that ``safe.alter_column_type`` can widen a big table's key (``prices.id`` Integer →
BigInteger) by expand/contract.

Before the swap, each index is built again on the shadow column (``CREATE [UNIQUE] INDEX CONCURRENTLY``, writes go
on); in the swap's short transaction the sequence is widened and handed to the shadow (``ALTER SEQUENCE … AS bigint
OWNED BY``; dropping the old column would otherwise drop it), then, once the old column is gone and the shadow
renamed, the primary key is attached to its index (``ADD CONSTRAINT … PRIMARY KEY USING INDEX``, no scan: the
shadow is already NOT NULL) and the indexes take their old names.
"""

from __future__ import annotations

from dataclasses import dataclass

from alembic import op

from app.infrastructure.database.migration.errors import UnsafeOperationError
from app.infrastructure.database.migration.safe import catalog
from app.infrastructure.database.migration.safe.context import qualified, quote
from app.infrastructure.database.migration.safe.indexes import create_index

_INTEGERS = ("smallint", "integer", "bigint")


@dataclass(frozen=True)
class CarriedOver:
    """The primary key (constraint name) when the column is all of it, the indexes to build again on the shadow
    (name, unique; the primary key's first) and the sequence the column owns."""

    primary_key: str | None = None
    indexes: tuple[tuple[str, bool], ...] = ()
    sequence: str | None = None


NOTHING = CarriedOver()


def carried_over(table: str, column: str, target: str, schema: str | None, small: int) -> CarriedOver:
    """What the swap must carry over; UnsafeOperationError naming whatever it cannot (a constraint other than the
    primary key, a foreign key referencing the column, an index on more than the column, an identity column)."""
    key = catalog.primary_key(table, schema)
    primary_key = key if key is not None and key[2] == [column] else None
    indexes = [(primary_key[1], True)] if primary_key else []
    indexes += catalog.simple_indexes(table, column, schema)
    sequence, identity = catalog.key_column(table, column, schema)
    movable = {name for name, _ in indexes} | ({primary_key[0]} if primary_key else set())
    left = [name for name in catalog.column_dependents(table, column, schema) if name not in movable]
    if identity:
        left.append("its identity (GENERATED … AS IDENTITY) sequence")
    if left:
        raise UnsafeOperationError(
            f"changing {table}.{column} to {target} rewrites a table of at least {small:,} rows under an ACCESS "
            f"EXCLUSIVE lock, and its safe form (expand/contract) cannot carry over {', '.join(left)}, which "
            "use the column; drop them first and re-create them afterwards with safe.create_index / "
            "safe.create_foreign_key, or write op.alter_column(...) to accept the rewrite in a maintenance window"
        )
    return CarriedOver(primary_key[0] if primary_key else None, tuple(indexes), sequence)


def build_indexes(table: str, shadow: str, carried: CarriedOver, schema: str | None) -> None:
    """Build each carried-over index again on the shadow column, concurrently (a rerun keeps a valid one)."""
    for name, unique in carried.indexes:
        create_index(_shadow_index(name), table, [shadow], schema=schema, unique=unique)


def hand_over_sequence(table: str, shadow: str, carried: CarriedOver, target: str, schema: str | None) -> None:
    """In the swap, before the old column goes: widen the sequence to the new type, give it to the shadow."""
    if carried.sequence is None:
        return
    widen_sequence(carried.sequence, target)
    op.execute(f"ALTER SEQUENCE {carried.sequence} OWNED BY {qualified(table, schema)}.{quote(shadow)}")


def widen_sequence(sequence: str | None, target: str) -> None:
    """``ALTER SEQUENCE … AS <target>`` when ``target`` is a wider integer type than the sequence's (else nothing):
    a sequence keeps its own type and maximum when its column is widened, and would stop at 2,147,483,647."""
    if sequence is None or target.lower() not in _INTEGERS:
        return
    if _INTEGERS.index(target.lower()) > _INTEGERS.index(catalog.sequence_type(sequence)):
        op.execute(f"ALTER SEQUENCE {sequence} AS {target.lower()}")


def attach(table: str, carried: CarriedOver, schema: str | None) -> None:
    """In the swap, once the shadow has the column's name: the primary key on its index, the indexes' old names."""
    for name, _ in carried.indexes:
        index = qualified(_shadow_index(name), schema)
        if name == carried.indexes[0][0] and carried.primary_key is not None:
            op.execute(
                f"ALTER TABLE {qualified(table, schema)} ADD CONSTRAINT {quote(carried.primary_key)} "
                f"PRIMARY KEY USING INDEX {quote(_shadow_index(name))}"
            )
        else:
            op.execute(f"ALTER INDEX {index} RENAME TO {quote(name)}")


def _shadow_index(name: str) -> str:
    return f"{name[:57]}__new"
