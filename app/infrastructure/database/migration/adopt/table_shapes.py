"""The shape of a table as reflected from a database, and the differences between two shapes.

A shape holds what SQLAlchemy can reflect: columns (type, nullability, default, comment), primary key, indexes,
unique, foreign-key and check constraints, and the table comment. Comparing two shapes yields :class:`Mismatch`
values whose ``kind`` says whether adoption may repair them (see :data:`REPAIRABLE`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, inspect
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import CompileError

from app.infrastructure.database.migration.inspect.comparison import normalize_default

REPAIRABLE = frozenset({"comment", "table_comment", "default_spelling", "index_name", "constraint_name"})
"""Kinds that change no data and no structure: adoption fixes them with metadata-only statements."""


@dataclass(frozen=True)
class ColumnShape:
    """One column: its compiled type (``VARCHAR(4)``), ``VARCHAR`` length, nullability, default and comment."""

    name: str
    type: str
    length: int | None
    nullable: bool
    default: str | None
    comment: str | None


@dataclass(frozen=True, order=True)
class KeyShape:
    """An index or constraint: its name, what it covers, and anything else that defines it."""

    name: str
    columns: tuple[str, ...]
    definition: str = ""
    """Uniqueness, method, predicate, referred table… — equal definitions on equal columns are the same key."""


@dataclass(frozen=True)
class TableShape:
    """Everything reflected about one table."""

    name: str
    columns: tuple[ColumnShape, ...]
    primary_key: KeyShape
    indexes: tuple[KeyShape, ...]
    constraints: tuple[KeyShape, ...]
    """Unique, foreign-key and check constraints."""
    comment: str | None

    def column(self, name: str) -> ColumnShape | None:
        """The column called ``name``, if any."""
        return next((column for column in self.columns if column.name == name), None)


@dataclass(frozen=True)
class Mismatch:
    """One way a table differs from an expected shape."""

    kind: str
    """``missing_column``, ``extra_column``, ``type``, ``nullable``, ``default``, ``primary_key``,
    ``missing_index``, ``extra_index``, ``missing_constraint``, ``extra_constraint``, or one of :data:`REPAIRABLE`."""
    description: str
    actual: Any = None
    expected: Any = None


def reflect_tables(connection: Connection, names: Iterable[str]) -> dict[str, TableShape]:
    """The shapes of those tables among ``names`` that exist in the connection's default schema."""
    inspector = inspect(connection)
    existing = set(inspector.get_table_names())
    return {name: _reflect(inspector, connection.dialect, name, None) for name in names if name in existing}


def reflect_table(connection: Connection, name: str, *, schema: str) -> TableShape:
    """The shape of table ``name`` in ``schema``."""
    return _reflect(inspect(connection), connection.dialect, name, schema)


def _reflect(inspector: Any, dialect: Dialect, name: str, schema: str | None) -> TableShape:
    pk = inspector.get_pk_constraint(name, schema=schema)
    comment = inspector.get_table_comment(name, schema=schema).get("text") if dialect.supports_comments else None
    # PostgreSQL also lists the index behind each unique constraint; the constraint itself stands for it.
    indexes = [index for index in inspector.get_indexes(name, schema=schema) if not index.get("duplicates_constraint")]
    return TableShape(
        name=name,
        columns=tuple(_column(column, dialect, schema) for column in inspector.get_columns(name, schema=schema)),
        primary_key=KeyShape(pk.get("name") or "", tuple(pk.get("constrained_columns") or ())),
        indexes=tuple(sorted(_index(index) for index in indexes)),
        constraints=tuple(sorted(_constraints(inspector, name, schema))),
        comment=comment,
    )


def _column(column: dict[str, Any], dialect: Dialect, schema: str | None) -> ColumnShape:
    type_ = column["type"]
    try:
        compiled = str(type_.compile(dialect=dialect))
    except CompileError:
        compiled = repr(type_)
    extras = [f"{key} {column[key]}" for key in ("identity", "computed") if column.get(key)]
    default = column.get("default")
    if default is not None and schema is not None:
        # A sequence made in another schema is named with it (nextval('"pg_temp_3".prices_id_seq'::regclass)).
        default = re.sub(rf"nextval\('\"?{re.escape(schema)}\"?\.", "nextval('", default)
    return ColumnShape(
        name=column["name"],
        type=" ".join([compiled, *extras]),
        length=type_.length if isinstance(type_, String) else None,
        nullable=bool(column["nullable"]),
        default=default,
        comment=column.get("comment"),
    )


def _index(index: dict[str, Any]) -> KeyShape:
    columns = tuple(str(name) for name in (index.get("expressions") or index["column_names"]))
    options = sorted((key, str(value)) for key, value in (index.get("dialect_options") or {}).items() if value)
    definition = " ".join(["unique" if index["unique"] else "", *(f"{key}={value}" for key, value in options)])
    return KeyShape(index["name"] or "", columns, definition.strip())


def _constraints(inspector: Any, name: str, schema: str | None) -> Iterable[KeyShape]:
    for unique in inspector.get_unique_constraints(name, schema=schema):
        yield KeyShape(unique["name"] or "", tuple(unique["column_names"]), "unique")
    for foreign in inspector.get_foreign_keys(name, schema=schema):
        referred = f"references {foreign['referred_table']}({', '.join(foreign['referred_columns'])})"
        yield KeyShape(foreign["name"] or "", tuple(foreign["constrained_columns"]), referred)
    for check in inspector.get_check_constraints(name, schema=schema):
        yield KeyShape(check["name"] or "", (), f"check ({check['sqltext']})")


def compare(actual: TableShape, expected: TableShape) -> list[Mismatch]:
    """Every way ``actual`` differs from ``expected``."""
    mismatches = _compare_columns(actual, expected)
    if actual.primary_key.columns != expected.primary_key.columns:
        have, want = _cols(actual.primary_key), _cols(expected.primary_key)
        mismatches.append(Mismatch("primary_key", f"primary key is {have}, expected {want}"))
    elif actual.primary_key.name != expected.primary_key.name:
        mismatches.append(_renamed("primary key", actual.primary_key, expected.primary_key))
    mismatches += _compare_keys("index", actual.indexes, expected.indexes)
    mismatches += _compare_keys("constraint", actual.constraints, expected.constraints)
    if actual.comment != expected.comment:
        mismatches.append(
            Mismatch(
                "table_comment",
                f"table comment is {actual.comment!r}, expected {expected.comment!r}",
                actual.comment,
                expected.comment,
            )
        )
    return mismatches


def _compare_columns(actual: TableShape, expected: TableShape) -> list[Mismatch]:
    mismatches: list[Mismatch] = []
    for want in expected.columns:
        have = actual.column(want.name)
        if have is None:
            mismatches.append(Mismatch("missing_column", f"column {want.name} {want.type} is missing"))
        else:
            mismatches += _compare_column(have, want)
    mismatches += [
        Mismatch("extra_column", f"extra column {have.name} {have.type}")
        for have in actual.columns
        if expected.column(have.name) is None
    ]
    return mismatches


def _compare_column(have: ColumnShape, want: ColumnShape) -> list[Mismatch]:
    name = have.name
    mismatches: list[Mismatch] = []
    if have.type != want.type:
        mismatches.append(Mismatch("type", f"{name} is {have.type}, expected {want.type}", have, want))
    if have.nullable != want.nullable:
        mismatches.append(Mismatch("nullable", f"{name} is {_null(have)}, expected {_null(want)}"))
    if normalize_default(have.default) != normalize_default(want.default):
        mismatches.append(Mismatch("default", f"default of {name} is {have.default}, expected {want.default}"))
    elif have.default != want.default:
        mismatches.append(
            Mismatch("default_spelling", f"default of {name} is spelled {have.default}, not {want.default}", have, want)
        )
    if have.comment != want.comment:
        mismatches.append(
            Mismatch("comment", f"comment on {name} is {have.comment!r}, expected {want.comment!r}", have, want)
        )
    return mismatches


def _compare_keys(what: str, actual: Iterable[KeyShape], expected: Iterable[KeyShape]) -> list[Mismatch]:
    """Keys are matched by what they cover; a matched pair with different names is only a rename."""
    mismatches: list[Mismatch] = []
    unmatched = list(actual)
    for want in expected:
        have = next((key for key in unmatched if _same_key(key, want)), None)
        if have is None:
            mismatches.append(Mismatch(f"missing_{what}", f"{_describe(what, want)} is missing"))
            continue
        unmatched.remove(have)
        if have.name != want.name:
            mismatches.append(_renamed(what, have, want))
    mismatches += [Mismatch(f"extra_{what}", f"extra {_describe(what, have)}") for have in unmatched]
    return mismatches


def _same_key(have: KeyShape, want: KeyShape) -> bool:
    return (have.columns, have.definition) == (want.columns, want.definition)


def _renamed(what: str, have: KeyShape, want: KeyShape) -> Mismatch:
    kind = "index_name" if what == "index" else "constraint_name"
    return Mismatch(kind, f"{what} on {_cols(have)} is named {have.name}, expected {want.name}", have, want)


def _describe(what: str, key: KeyShape) -> str:
    definition = f" {key.definition}" if key.definition else ""
    return f"{what} {key.name} on {_cols(key)}{definition}"


def _cols(key: KeyShape) -> str:
    return f"({', '.join(key.columns)})"


def _null(column: ColumnShape) -> str:
    return "NULL" if column.nullable else "NOT NULL"


def is_widening(mismatch: Mismatch) -> bool:
    """True for a ``VARCHAR(n)`` that only needs to become a wider ``VARCHAR(m)`` (metadata-only on PostgreSQL)."""
    if mismatch.kind != "type":
        return False
    have, want = mismatch.actual, mismatch.expected
    if have.length is None or want.length is None or have.length >= want.length:
        return False
    pattern = re.compile(r"\(\d+\)")
    return bool(pattern.sub("", have.type) == pattern.sub("", want.type) == "VARCHAR")
