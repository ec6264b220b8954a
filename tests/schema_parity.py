"""Dialect-neutral snapshots of a reflected schema, and the readable differences between two of them.

Developers run SQLite, production runs PostgreSQL; the same revisions must leave both in the same shape. A
snapshot describes each table as ``{subject: description}`` in words that mean the same on both dialects:

- types are reduced to what both can express: ``FLOAT``, ``REAL`` and ``DOUBLE PRECISION`` are ``float``;
  ``TIMESTAMP`` and ``DATETIME`` are ``timestamp`` (SQLite keeps no time zone flag); ``VARCHAR(n)`` keeps its
  length; SQLite's ``INTEGER`` matches PostgreSQL's ``bigint`` too, since it holds 64 bits (the models'
  ``BIG_INTEGER`` is that pair: a ``BIGINT`` key would not be SQLite's rowid);
- defaults go through the application's own :func:`normalize_default` (``now()`` is ``CURRENT_TIMESTAMP``),
  then numeric and boolean literals are unified (``'0'``, ``0``; ``false``, ``0``); the ``nextval(…)`` default
  of a ``SERIAL`` column is dropped, since SQLite's ``INTEGER PRIMARY KEY`` generates values without one;
- primary keys, unique constraints, indexes and foreign keys are compared by name (or, when unnamed, by their
  columns) together with their columns and options.

Comments and check constraints are left out: SQLite has no comments, and check constraints' SQL is spelt
differently by each dialect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Dialect, Inspector
from sqlalchemy.types import (
    CHAR,
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Text,
    Time,
    TypeEngine,
)

from app.infrastructure.database.migration.inspect.comparison import normalize_default

Table = dict[str, str]
"""One table: ``{subject: description}``, e.g. ``{"column prices.open": "float NOT NULL"}``."""

# Checked in order: subclasses before the classes they extend (Float is a Numeric, Text a String).
_PLAIN_TYPES: tuple[tuple[type[TypeEngine[Any]], str], ...] = (
    (Boolean, "boolean"),
    (BigInteger, "bigint"),
    (SmallInteger, "smallint"),
    (Integer, "integer"),
    (Float, "float"),
    (DateTime, "timestamp"),
    (Date, "date"),
    (Time, "time"),
    (Text, "text"),
    (LargeBinary, "binary"),
    (JSON, "json"),
)
_BOOLEAN_LITERALS = {"0": "false", "'0'": "false", "'f'": "false", "1": "true", "'1'": "true", "'t'": "true"}
_QUOTED_NUMBER = re.compile(r"^'(-?\d+(\.\d+)?)'$")


@dataclass(frozen=True)
class Schema:
    """A database's tables as dialect-neutral descriptions, labelled with the dialect they came from."""

    dialect: str
    tables: dict[str, Table]


def normalise_type(type_: TypeEngine[Any], dialect: Dialect) -> str:
    """The type's name as both dialects would agree on it (``float``, ``varchar(10)``, ``numeric(12,2)``)."""
    for generic, name in _PLAIN_TYPES:
        if isinstance(type_, generic):
            return name
    if isinstance(type_, Numeric):
        arguments = [str(value) for value in (type_.precision, type_.scale) if value is not None]
        return f"numeric({','.join(arguments)})" if arguments else "numeric"
    if isinstance(type_, String):
        name = "char" if isinstance(type_, CHAR) else "varchar"
        return f"{name}({type_.length})" if type_.length else name
    return str(type_.compile(dialect=dialect)).lower()


def normalise_column_default(default: str | None, type_name: str) -> str | None:
    """The column's server default in one spelling for both dialects; ``None`` for a sequence's ``nextval``."""
    value = normalize_default(default)
    if value is None or value.startswith("nextval("):
        return None
    if type_name == "boolean":
        return _BOOLEAN_LITERALS.get(value, value)
    quoted_number = _QUOTED_NUMBER.match(value)
    return quoted_number.group(1) if quoted_number else value


def _columns(names: list[str | None] | list[str]) -> str:
    return f"({', '.join(name or '?' for name in names)})"


def _subject(kind: str, table: str, name: str | None, columns: list[Any]) -> str:
    return f"{kind} {name}" if name else f"{kind} on {table} {_columns(columns)}"


def _column_facts(inspector: Inspector, table: str, dialect: Dialect) -> Table:
    facts: Table = {}
    for column in inspector.get_columns(table):
        type_name = normalise_type(column["type"], dialect)
        description = f"{type_name} {'NULL' if column['nullable'] else 'NOT NULL'}"
        default = normalise_column_default(column.get("default"), type_name)
        if default is not None:
            description += f" DEFAULT {default}"
        facts[f"column {table}.{column['name']}"] = description
    return facts


def _key_facts(inspector: Inspector, table: str) -> Table:
    facts: Table = {}
    primary_key = inspector.get_pk_constraint(table)
    if primary_key["constrained_columns"]:
        facts[f"primary key of {table}"] = f"{primary_key.get('name')} {_columns(primary_key['constrained_columns'])}"
    for unique in inspector.get_unique_constraints(table):
        facts[_subject("unique constraint", table, unique["name"], unique["column_names"])] = _columns(
            unique["column_names"]
        )
    for index in inspector.get_indexes(table):
        if index.get("duplicates_constraint"):
            continue  # PostgreSQL lists a unique constraint's own index too; SQLite does not
        columns = index.get("expressions") or index["column_names"]
        unique_word = "unique " if index["unique"] else ""
        facts[_subject("index", table, index["name"], columns)] = f"{unique_word}{_columns(columns)}"
    for foreign_key in inspector.get_foreign_keys(table):
        options = foreign_key.get("options", {})
        actions = "".join(
            f" ON {event.upper()} {str(options[key]).upper()}"
            for event, key in (("delete", "ondelete"), ("update", "onupdate"))
            if str(options.get(key) or "NO ACTION").upper() != "NO ACTION"
        )
        facts[_subject("foreign key", table, foreign_key["name"], foreign_key["constrained_columns"])] = (
            f"{_columns(foreign_key['constrained_columns'])} → "
            f"{foreign_key['referred_table']}{_columns(foreign_key['referred_columns'])}{actions}"
        )
    return facts


def snapshot(connection: Connection) -> Schema:
    """Reflect the database behind ``connection`` into a :class:`Schema`."""
    inspector = inspect(connection)
    tables = {
        table: {**_column_facts(inspector, table, connection.dialect), **_key_facts(inspector, table)}
        for table in inspector.get_table_names()
    }
    return Schema(connection.dialect.name, tables)


def compare_schemas(left: Schema, right: Schema) -> list[str]:
    """Every difference between two schemas, one readable line each; empty when they have the same shape."""
    differences: list[str] = []

    def differ(subject: str, left_value: str | None, right_value: str | None) -> None:
        if left_value != right_value and not _same_integer(left.dialect, left_value, right_value):
            differences.append(
                f"{subject}: {left_value or 'missing'} on {left.dialect}, {right_value or 'missing'} on {right.dialect}"
            )

    for table in sorted(left.tables.keys() | right.tables.keys()):
        left_table, right_table = left.tables.get(table), right.tables.get(table)
        if left_table is None or right_table is None:
            differ(f"table {table}", _presence(left_table), _presence(right_table))
            continue
        for subject in sorted(left_table.keys() | right_table.keys()):
            differ(subject, left_table.get(subject), right_table.get(subject))
    return differences


def _same_integer(left_dialect: str, left_value: str | None, right_value: str | None) -> bool:
    """Whether a column is INTEGER on SQLite (64-bit there) and otherwise the same as a ``bigint`` on PostgreSQL."""
    on_sqlite, on_postgresql = (left_value, right_value) if left_dialect == "sqlite" else (right_value, left_value)
    if on_sqlite is None or on_postgresql is None or not on_postgresql.startswith("bigint "):
        return False
    return on_sqlite == "integer " + on_postgresql.removeprefix("bigint ")


def _presence(table: Table | None) -> str | None:
    return None if table is None else "present"
