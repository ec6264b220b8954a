"""What PostgreSQL's catalogs say about a safe operation's progress: they are how a rerun knows where to resume."""

from __future__ import annotations

from enum import Enum

from app.infrastructure.database.migration.safe.context import fetch, qualified


class State(Enum):
    """How far an index or constraint got."""

    MISSING = "missing"
    INVALID = "invalid"
    """An index whose build failed or was killed, or a constraint added NOT VALID and not yet validated."""
    VALID = "valid"


def index_state(name: str, schema: str | None) -> State:
    """Whether index ``name`` exists and is valid (``pg_index.indisvalid``)."""
    found = fetch(
        "SELECT i.indisvalid FROM pg_index AS i WHERE i.indexrelid = to_regclass(:name)", name=qualified(name, schema)
    )
    if not found:
        return State.MISSING
    return State.VALID if found[0][0] else State.INVALID


def constraint_state(table: str, name: str, schema: str | None) -> State:
    """Whether constraint ``name`` of ``table`` exists and is validated (``pg_constraint.convalidated``)."""
    found = fetch(
        "SELECT convalidated FROM pg_constraint WHERE conrelid = to_regclass(:table) AND conname = :name",
        table=qualified(table, schema),
        name=name,
    )
    if not found:
        return State.MISSING
    return State.VALID if found[0][0] else State.INVALID


def column(table: str, name: str, schema: str | None) -> tuple[int, bool, str | None] | None:
    """The column's type oid, whether it is NOT NULL and its default expression; ``None`` when it does not exist."""
    found = fetch(
        """
        SELECT a.atttypid, a.attnotnull, pg_get_expr(d.adbin, d.adrelid)
        FROM pg_attribute AS a LEFT JOIN pg_attrdef AS d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attrelid = to_regclass(:table) AND a.attname = :name AND a.attnum > 0 AND NOT a.attisdropped
        """,
        table=qualified(table, schema),
        name=name,
    )
    return (int(found[0][0]), bool(found[0][1]), found[0][2]) if found else None


def type_oid(sql_type: str) -> int:
    """The oid of the type ``sql_type`` names (its modifiers, such as a length, are ignored)."""
    return int(fetch("SELECT CAST(CAST(:name AS regtype) AS oid)", name=sql_type)[0][0])


def has_rows(table: str, schema: str | None, at_least: int) -> bool:
    """Whether the table holds ``at_least`` rows (reading no more than that many)."""
    found = fetch(f"SELECT count(*) FROM (SELECT 1 FROM {qualified(table, schema)} LIMIT :n) AS sample", n=at_least)
    return int(found[0][0]) >= at_least


def rewrites(source_oid: int, target_oid: int) -> bool:
    """Whether changing a column from one type to the other rewrites the table (no binary-coercible cast exists)."""
    found = fetch(
        "SELECT castmethod FROM pg_cast WHERE castsource = :source AND casttarget = :target",
        source=source_oid,
        target=target_oid,
    )
    return source_oid != target_oid and not (found and found[0][0] == "b")


def column_dependents(table: str, name: str, schema: str | None) -> list[str]:
    """The indexes and constraints (other than NOT NULL) that use the column: what a swap would have to rebuild."""
    return [
        row[0]
        for row in fetch(
            """
            SELECT c.relname FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid
            JOIN pg_attribute AS a ON a.attrelid = i.indrelid AND a.attname = :name
            WHERE i.indrelid = to_regclass(:table) AND a.attnum = ANY (i.indkey)
            UNION
            SELECT con.conname FROM pg_constraint AS con
            JOIN pg_attribute AS a ON a.attrelid = to_regclass(:table) AND a.attname = :name
            WHERE (con.conrelid = a.attrelid AND a.attnum = ANY (con.conkey))
               OR (con.confrelid = a.attrelid AND a.attnum = ANY (con.confkey))
            ORDER BY 1
            """,
            table=qualified(table, schema),
            name=name,
        )
    ]


def primary_key(table: str, schema: str | None) -> tuple[str, str, list[str]] | None:
    """The primary key's constraint name, index name and columns; ``None`` when the table has none."""
    found = fetch(
        """
        SELECT con.conname, ix.relname, array_agg(a.attname::text ORDER BY k.ord)
        FROM pg_constraint AS con JOIN pg_class AS ix ON ix.oid = con.conindid
        CROSS JOIN unnest(con.conkey) WITH ORDINALITY AS k (attnum, ord)
        JOIN pg_attribute AS a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
        WHERE con.conrelid = to_regclass(:table) AND con.contype = 'p' GROUP BY con.conname, ix.relname
        """,
        table=qualified(table, schema),
    )
    return (str(found[0][0]), str(found[0][1]), list(found[0][2])) if found else None


def key_column(table: str, name: str, schema: str | None) -> tuple[str | None, bool]:
    """The sequence the column owns (``serial``; ``None`` without one) and whether it is an identity column."""
    found = fetch(
        "SELECT pg_get_serial_sequence(:table, :name), a.attidentity <> '' FROM pg_attribute AS a "
        "WHERE a.attrelid = to_regclass(:table) AND a.attname = :name",
        table=qualified(table, schema),
        name=name,
    )
    return (found[0][0], bool(found[0][1])) if found else (None, False)


def simple_indexes(table: str, name: str, schema: str | None) -> list[tuple[str, bool]]:
    """The btree indexes on the column alone (no expression, no predicate, backing no constraint), with whether each
    is unique: what a type change can build again on the new column."""
    return [
        (str(row[0]), bool(row[1]))
        for row in fetch(
            """
            SELECT c.relname, i.indisunique FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid
            JOIN pg_am AS am ON am.oid = c.relam
            JOIN pg_attribute AS a ON a.attrelid = i.indrelid AND a.attname = :name
            WHERE i.indrelid = to_regclass(:table) AND i.indnatts = 1 AND i.indkey[0] = a.attnum
              AND i.indexprs IS NULL AND i.indpred IS NULL AND am.amname = 'btree'
              AND NOT EXISTS (SELECT FROM pg_constraint AS con WHERE con.conindid = i.indexrelid)
            ORDER BY 1
            """,
            table=qualified(table, schema),
            name=name,
        )
    ]


def sequence_type(sequence: str) -> str:
    """The data type of ``sequence`` (``integer``, ``bigint`` …)."""
    return str(
        fetch("SELECT format_type(seqtypid, NULL) FROM pg_sequence WHERE seqrelid = to_regclass(:s)", s=sequence)[0][0]
    )
