"""Realistic rows for any table of the corpus: full-length strings (half Japanese), integers beyond 32 bits where
the type allows, JSON, UUIDs, tz-aware timestamps and NULLs; keys unique, foreign keys pointing at real rows."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

JST = timezone(timedelta(hours=9))
KANA = "株式会社東京証券取引所あいうえおカキクケコ日本語の文字列"
LATIN = "abcdefghijklmnopqrstuvwxyz0123456789"


def _text(length: int, serial: int, japanese: bool) -> str:
    """A string of exactly ``length`` characters, unique by ``serial``."""
    head = f"{serial:06d}"[:length]
    alphabet = KANA if japanese else LATIN
    body = "".join(alphabet[(serial + i) % len(alphabet)] for i in range(length - len(head)))
    return head + body


def _value(column: sa.Column[Any], serial: int, rng: random.Random) -> Any:
    kind = column.type
    japanese = serial % 2 == 0
    if isinstance(kind, sa.Enum):
        return kind.enums[serial % len(kind.enums)]
    if isinstance(kind, sa.Uuid):
        return uuid.UUID(int=rng.getrandbits(128), version=4)
    if isinstance(kind, sa.String) and kind.length:
        return _text(kind.length, serial, japanese)
    if isinstance(kind, sa.String):  # Text
        return _text(80, serial, japanese)
    if isinstance(kind, sa.Boolean):
        return serial % 2 == 0
    if isinstance(kind, sa.BigInteger):
        return 2**40 + serial if column.primary_key else rng.randint(2**33, 2**62)
    if isinstance(kind, sa.Integer):
        return 1_000 + serial if column.primary_key else rng.randint(-(2**31), 2**31 - 1)
    if isinstance(kind, sa.DateTime):
        return datetime(2024, 4, 1, 9, 0, tzinfo=JST) + timedelta(seconds=serial * 3_607, microseconds=serial)
    if isinstance(kind, sa.JSON):
        return {"名前": f"銘柄 {serial}", "count": 2**40 + serial, "tags": ["一", "two", None], "ok": True}
    raise TypeError(f"no generator for {column.table.name}.{column.name} ({kind!r})")


def _parents(connection: Connection, column: sa.Column[Any]) -> list[Any]:
    (key,) = column.foreign_keys
    target = key.column
    return list(connection.execute(sa.select(target).order_by(target)).scalars())


def _row(table: sa.Table, serial: int, rng: random.Random, parents: dict[str, list[Any]]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for column in table.columns:
        if column.name in parents:
            choices = parents[column.name]
            row[column.name] = choices[serial % len(choices)] if choices and serial % 5 else None
        elif column.nullable and not column.primary_key and serial % 4 == 3:
            row[column.name] = None
        elif column.server_default is not None and serial % 4 == 2:
            continue  # the database's default fills it
        else:
            row[column.name] = _value(column, serial, rng)
    return row


def _consistent(table: sa.Table, row: dict[str, Any], serial: int) -> None:
    """What the real projects' application code guaranteed, which their CHECK constraints later state."""
    if table.name == "ip_addresses":
        banned = serial % 3 == 0
        row["is_banned"] = banned
        row["ban_reason"] = "authentication-attempts" if banned else None
        row["ban_date"] = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=serial) if banned else None
    if table.name == "experiments" and row.get("lifecycle_stage") is not None:
        row["lifecycle_stage"] = ("active", "deleted")[serial % 2]


def insert_rows(connection: Connection, metadata: sa.MetaData, *, count: int, start: int) -> int:
    """Insert ``count`` rows into every table of ``metadata`` (parents first) and commit; returns the next serial.

    Link tables whose whole primary key is foreign keys get one row per new pair of parents.
    """
    rng = random.Random(start)
    serial = start
    for table in metadata.sorted_tables:
        fk_columns = [column for column in table.columns if column.foreign_keys]
        parents = {column.name: _parents(connection, column) for column in fk_columns}
        if fk_columns and all(column.primary_key for column in fk_columns):
            rows = _link_rows(connection, table, parents, count)
        else:
            rows = []
            for _ in range(count):
                row = _row(table, serial, rng, {name: keys for name, keys in parents.items()})
                _consistent(table, row, serial)
                rows.append(row)
                serial += 1
        for row in rows:
            connection.execute(table.insert().values(**row))
    connection.commit()
    return serial


def _link_rows(
    connection: Connection, table: sa.Table, parents: dict[str, list[Any]], count: int
) -> list[dict[str, Any]]:
    existing = {tuple(row) for row in connection.execute(sa.select(*(table.c[name] for name in parents)))}
    names = list(parents)
    pairs = []
    for i in range(max(len(keys) for keys in parents.values())):
        pair = tuple(parents[name][(i * (n + 1)) % len(parents[name])] for n, name in enumerate(names))
        if pair not in existing and all(parents.values()):
            existing.add(pair)
            pairs.append(dict(zip(names, pair, strict=True)))
        if len(pairs) == count:
            break
    return pairs
