"""Comparison rules for constraints Alembic gets wrong: CHECK constraints and a UNIQUE that repeats the primary key.

Alembic never compares CHECK constraints (its opt-in plugin matches names only, never the SQL), so a model's new
CHECK would never be generated and ``check`` would stay green without it. :func:`compare_check_constraints` compares
them by name and by their SQL text, normalised per dialect: PostgreSQL reflects ``status IN ('a', 'b')`` as
``((status)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[]))``.

PostgreSQL silently folds a UNIQUE constraint whose columns are the primary key's into the primary key when the
table is created, SQLite keeps it: the model means nothing beyond the primary key, so :func:`include_object` leaves
such a constraint out of every comparison on both backends (and authoring leaves it out of ``create_table``).
"""

from __future__ import annotations

import re

from alembic.autogenerate.api import AutogenContext
from alembic.operations import ops
from alembic.runtime.plugins import Plugin
from alembic.util import PriorityDispatchResult
from sqlalchemy import CheckConstraint, Table, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import SchemaItem
from sqlalchemy.sql.elements import conv

PLUGIN = "stockdata.check_constraints"
"""The name of the Alembic autogenerate plugin comparing CHECK constraints (enabled in ``comparison_options``)."""

_LITERAL = re.compile(r"'(?:[^']|'')*'")
# PostgreSQL adds casts to what it reflects; the multi-word type names are the ones it spells out.
_CAST = re.compile(
    r"::\s*(?:character varying|double precision|timestamp with(?:out)? time zone|time with(?:out)? time zone|"
    r"[a-z_][a-z0-9_]*)(?:\s*\(\s*\d+(?:\s*,\s*\d+)?\s*\))?(?:\s*\[\s*\])?"
)


def normalize_check(sqltext: str) -> str:
    """Reduce a CHECK constraint's SQL to a canonical spelling: casts, parentheses, case and spacing aside.

    ``x = ANY (ARRAY[…])`` reads as ``x IN (…)`` and ``x <> ALL (ARRAY[…])`` as ``x NOT IN (…)``, as PostgreSQL
    reflects them. Quoted literals keep their case.
    """
    literals: list[str] = []

    def keep(match: re.Match[str]) -> str:
        literals.append(match.group(0))
        return f"\x00{len(literals) - 1}\x00"

    code = _LITERAL.sub(keep, sqltext).lower()
    code = _CAST.sub("", code)
    code = re.sub(r"[()\[\]]", " ", code).replace("!=", "<>")
    code = re.sub(r"\s+", " ", code)
    code = re.sub(r"= any array", " in ", code)
    code = re.sub(r"<> all array", " not in ", code)
    code = code.replace(" ", "")
    return re.sub(r"\x00(\d+)\x00", lambda match: literals[int(match.group(1))], code)


def check_sql(constraint: CheckConstraint, dialect: Dialect) -> str:
    """The SQL text of a CHECK constraint (a model's expression compiled for ``dialect`` with literal values)."""
    sqltext = constraint.sqltext
    text = getattr(sqltext, "text", None)
    if isinstance(text, str):
        return text
    return str(sqltext.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def duplicates_primary_key(constraint: UniqueConstraint) -> bool:
    """True when the UNIQUE constraint's columns are exactly its table's primary key."""
    table = constraint.table
    if not isinstance(table, Table) or not table.primary_key.columns:
        return False
    return {column.name for column in constraint.columns} == {column.name for column in table.primary_key.columns}


def include_object(
    object_: SchemaItem, _name: str | None, type_: str, _reflected: bool, _compare_to: SchemaItem | None
) -> bool:
    """Alembic's ``include_object``: leave out a UNIQUE constraint that repeats the primary key, on either side."""
    return not (
        type_ == "unique_constraint" and isinstance(object_, UniqueConstraint) and duplicates_primary_key(object_)
    )


def compare_check_constraints(
    autogen_context: AutogenContext,
    modify_ops: ops.ModifyTableOps,
    schema: str | None,
    table_name: str,
    conn_table: Table | None,
    metadata_table: Table | None,
) -> PriorityDispatchResult:
    """Alembic comparator: add, drop or replace the named CHECK constraints of a table present on both sides."""
    if conn_table is None or metadata_table is None or autogen_context.inspector is None:
        return PriorityDispatchResult.CONTINUE
    dialect = autogen_context.migration_context.dialect
    wanted = {str(ck.name): ck for ck in _named_checks(metadata_table)}
    existing = _reflected_checks(autogen_context, conn_table, table_name, schema)

    def included(constraint: CheckConstraint, reflected: bool, compare_to: CheckConstraint | None) -> bool:
        return autogen_context.run_object_filters(
            constraint, constraint.name, "check_constraint", reflected, compare_to
        )

    found: list[ops.MigrateOperation] = []
    for name in sorted(existing.keys() - wanted.keys()):
        if included(existing[name], True, None):
            found.append(ops.DropConstraintOp.from_constraint(existing[name]))
    for name in sorted(existing.keys() & wanted.keys()):
        before, after = existing[name], wanted[name]
        same = normalize_check(check_sql(before, dialect)) == normalize_check(check_sql(after, dialect))
        if not same and included(after, False, before):
            found += [ops.DropConstraintOp.from_constraint(before), ops.AddConstraintOp.from_constraint(after)]
    found += [
        ops.AddConstraintOp.from_constraint(wanted[name])
        for name in sorted(wanted.keys() - existing.keys())
        if included(wanted[name], False, None)
    ]
    modify_ops.ops.extend(found)
    return PriorityDispatchResult.CONTINUE


def _reflected_checks(
    autogen_context: AutogenContext, conn_table: Table, table_name: str, schema: str | None
) -> dict[str, CheckConstraint]:
    """The database's named CHECK constraints of the table, attached to it (a drop operation needs the table)."""
    assert autogen_context.inspector is not None
    existing: dict[str, CheckConstraint] = {}
    for reflected in autogen_context.inspector.get_check_constraints(table_name, schema=schema):
        name = reflected.get("name")
        if name:
            # conv(): the name is the database's, final; the naming convention must not prefix it again.
            existing[name] = CheckConstraint(reflected["sqltext"], name=conv(name))
            conn_table.append_constraint(existing[name])
    return existing


def _named_checks(table: Table) -> list[CheckConstraint]:
    # Unnamed constraints cannot be matched with the database's, and type-bound ones (Boolean, Enum) follow their type.
    return [
        constraint
        for constraint in table.constraints
        if isinstance(constraint, CheckConstraint) and constraint.name and not _type_bound(constraint)
    ]


def _type_bound(constraint: CheckConstraint) -> bool:
    return bool(getattr(constraint, "_type_bound", False))


# Registered once, on import; enabled by name where the comparison options are built.
Plugin(PLUGIN).add_autogenerate_comparator(compare_check_constraints, "table", "check_constraints")
