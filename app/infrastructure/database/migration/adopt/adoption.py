"""Adopting databases built before Alembic: detect their state, plan the repair, apply it and stamp.

A database with no revision is compared, table by table, with every shape it may legitimately have: what the
archived legacy scripts built at each level, what ``create_all()`` made (the initial revision without comments),
and the initial revision itself. All of them are learnt by replaying their definitions (see :mod:`replay`).
A table may differ from its shape only in ways that change no data and no structure (comments, the spelling of a
default, index and constraint names); anything else makes the state unknown, and nothing is changed. Adoption
then runs, in the caller's transaction, the statements that bring each table exactly to the initial revision
(widening ``VARCHAR`` columns, which PostgreSQL does without rewriting the table, creating missing tables,
setting comments and names), verifies the result, and stamps the initial revision.

Every function takes a synchronous connection, so the API runs them inside ``connection.run_sync`` on the same
connection, and in the same run, as the upgrade that follows.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import String, literal
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from app.infrastructure.database.migration.adopt.detection import has_application_tables, initial_revision
from app.infrastructure.database.migration.adopt.replay import RevisionReplay, replay_legacy, replay_revision
from app.infrastructure.database.migration.adopt.table_shapes import (
    REPAIRABLE,
    Mismatch,
    TableShape,
    compare,
    is_widening,
    reflect_tables,
)
from app.infrastructure.database.migration.connection import first_line
from app.infrastructure.database.migration.errors import MigrationError, UnknownLegacyStateError
from app.infrastructure.database.migration.guard import history
from app.infrastructure.database.migration.inspect import revisions
from app.infrastructure.database.migration.inspect.foreign_tables import foreign_tables
from app.infrastructure.database.migration.results import AdoptedTable, Adoption

# Types first, then defaults, names and comments: the order a reviewer reads the dry run in.
_REPAIR_ORDER = {"type": 0, "default_spelling": 1, "constraint_name": 2, "index_name": 2, "table_comment": 3}


@dataclass(frozen=True)
class _Candidate:
    label: str
    source: str
    shape: TableShape


def adopt(connection: Connection, script: ScriptDirectory, *, dry_run: bool = False) -> Adoption:
    """Detect the database's state; for a legacy one, repair and stamp it unless ``dry_run``.

    Raises UnknownLegacyStateError, before changing anything, when a table matches none of its known shapes.
    """
    current = revisions.current_heads(connection)
    if current:
        return Adoption("versioned", None, current=current)
    initial = initial_revision(script)
    if not has_application_tables(connection):
        return Adoption("empty", None)
    with _replaying():
        target = replay_revision(connection, initial)
    foreign = foreign_tables(connection, target.shapes, None)
    actual = reflect_tables(connection, target.shapes)
    if not actual:
        return Adoption("empty", None, foreign_tables=foreign)
    tables, statements = _plan(connection, actual, target)
    adoption = Adoption("legacy", initial.revision, tables=tables, statements=statements, foreign_tables=foreign)
    if dry_run:
        return adoption
    _apply(connection, statements, target)
    MigrationContext.configure(connection).stamp(script, initial.revision)
    history.record(connection, initial, "adopt")
    return replace(adoption, applied=True)


def check_stamp(connection: Connection, script: ScriptDirectory, revision: str) -> None:
    """Refuse to stamp tables adoption has not verified: stamping them would hide their differences.

    Stamping is fine on a database that already has a revision, has none of the application's tables, or whose
    tables are exactly the initial revision's and the revision stamped is the initial one.
    """
    adoption = adopt(connection, script, dry_run=True)
    if adoption.state != "legacy":
        return
    if adoption.statements or revisions.resolve(script, revision) != (adoption.revision,):
        raise MigrationError(
            f"the database has no revision but holds the application's tables in a legacy state; run "
            f"`stockdata migrate adopt` to bring them to revision {adoption.revision} and stamp it (add --dry-run "
            "to see how), or pass --verified-by-hand if you have checked the schema yourself"
        )


@contextmanager
def _replaying() -> Iterator[None]:
    try:
        yield
    except DBAPIError as exc:
        raise MigrationError(
            f"could not replay the schema definitions in a temporary schema ({first_line(exc)}); "
            "the migration user needs the TEMPORARY privilege"
        ) from exc


def _plan(
    connection: Connection, actual: dict[str, TableShape], target: RevisionReplay
) -> tuple[tuple[AdoptedTable, ...], tuple[str, ...]]:
    candidates = _candidates(connection, target)
    tolerated = REPAIRABLE if connection.dialect.name == "postgresql" else frozenset()
    tables: list[AdoptedTable] = []
    statements: list[str] = []
    unknown: dict[str, dict[str, list[str]]] = {}
    for name, wanted in target.shapes.items():
        have = actual.get(name)
        if have is None:
            tables.append(AdoptedTable(name, "missing", f"revision {target.revision}"))
            statements += target.statements[name]
            continue
        matches: list[tuple[_Candidate, list[Mismatch]]] = []
        refusals: dict[str, list[str]] = {}
        for candidate in candidates[name]:
            mismatches = compare(have, candidate.shape)
            blocking = [mismatch.description for mismatch in mismatches if mismatch.kind not in tolerated]
            if blocking:
                refusals[f"{candidate.label} ({candidate.source})"] = blocking
            else:
                matches.append((candidate, mismatches))
        if not matches:
            unknown[name] = _closest_first(refusals)
            continue
        candidate, notes = min(matches, key=lambda match: len(match[1]))
        tables.append(AdoptedTable(name, candidate.label, candidate.source, tuple(m.description for m in notes)))
        statements += _repairs(connection, have, wanted)
    if unknown:
        raise UnknownLegacyStateError(_refusal(unknown, target.revision), unknown)
    return tuple(tables), tuple(statements)


def _closest_first(refusals: dict[str, list[str]]) -> dict[str, list[str]]:
    """Shapes with the same differences merged into one entry, the fewest differences first."""
    merged: dict[tuple[str, ...], list[str]] = {}
    for label, differences in refusals.items():
        merged.setdefault(tuple(differences), []).append(label)
    ordered = sorted(merged.items(), key=lambda item: len(item[0]))
    return {", ".join(labels): list(differences) for differences, labels in ordered}


def _candidates(connection: Connection, target: RevisionReplay) -> dict[str, list[_Candidate]]:
    candidates: dict[str, list[_Candidate]] = {name: [] for name in target.shapes}
    if connection.dialect.name == "postgresql":
        with _replaying():
            levels = replay_legacy(connection)
        for level in levels:
            for name, shape in level.shapes.items():
                if name in candidates:
                    source = "sql/migrations_archive: " + " + ".join(script[:3] for script in level.scripts)
                    candidates[name].append(_Candidate(f"legacy {level.name}", source, shape))
    for name, shape in target.shapes.items():
        bare = replace(shape, comment=None, columns=tuple(replace(column, comment=None) for column in shape.columns))
        candidates[name].append(_Candidate("create_all()", f"revision {target.revision} without comments", bare))
        if bare != shape:
            candidates[name].append(_Candidate("initial revision", f"revision {target.revision}", shape))
    return candidates


def _repairs(connection: Connection, have: TableShape, wanted: TableShape) -> list[str]:
    """The statements that turn ``have`` into ``wanted``; only metadata changes are possible."""
    mismatches = compare(have, wanted)
    impossible = [m for m in mismatches if not (m.kind in REPAIRABLE or is_widening(m))]
    if impossible or (mismatches and connection.dialect.name != "postgresql"):
        listing = "; ".join(m.description for m in impossible or mismatches)
        raise MigrationError(f"{have.name} cannot be brought to the initial revision without rebuilding it: {listing}")
    ordered = sorted(mismatches, key=lambda m: _REPAIR_ORDER.get(m.kind, 4))
    return [_repair_sql(connection, have.name, mismatch) for mismatch in ordered]


def _repair_sql(connection: Connection, table_name: str, mismatch: Mismatch) -> str:
    quote = connection.dialect.identifier_preparer.quote
    table = quote(table_name)
    have, want = mismatch.actual, mismatch.expected
    if mismatch.kind == "type":
        return f"ALTER TABLE {table} ALTER COLUMN {quote(have.name)} TYPE {want.type}"
    if mismatch.kind == "default_spelling":
        return f"ALTER TABLE {table} ALTER COLUMN {quote(have.name)} SET DEFAULT {want.default}"
    if mismatch.kind == "index_name":
        return f"ALTER INDEX {quote(have.name)} RENAME TO {quote(want.name)}"
    if mismatch.kind == "constraint_name":
        return f"ALTER TABLE {table} RENAME CONSTRAINT {quote(have.name)} TO {quote(want.name)}"
    if mismatch.kind == "table_comment":
        return f"COMMENT ON TABLE {table} IS {_literal(connection, want)}"
    return f"COMMENT ON COLUMN {table}.{quote(have.name)} IS {_literal(connection, want.comment)}"


def _literal(connection: Connection, text: str | None) -> str:
    if text is None:
        return "NULL"
    return str(literal(text, String()).compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))


def _apply(connection: Connection, statements: tuple[str, ...], target: RevisionReplay) -> None:
    """Run the statements, then check that every table is now exactly what the initial revision creates."""
    for statement in statements:
        try:
            connection.exec_driver_sql(statement)
        except DBAPIError as exc:
            raise MigrationError(
                f"adoption failed and was rolled back: {first_line(exc)}. Statement: {statement[:300]}"
            ) from exc
    after = reflect_tables(connection, target.shapes)
    left = [
        f"{name}: {mismatch.description}"
        for name, wanted in target.shapes.items()
        for mismatch in compare(after[name], wanted)
    ]
    if left:
        raise MigrationError(f"adoption was rolled back: the tables still differ from the revision: {'; '.join(left)}")


def _refusal(unknown: dict[str, dict[str, list[str]]], initial: str) -> str:
    lines = [
        "the database has no revision and its tables match no known legacy state, so it was not adopted; "
        "nothing was changed."
    ]
    for table, refusals in unknown.items():
        lines.append(f"{table} differs from every shape it may have:")
        for shape, differences in refusals.items():
            lines.append(f"  {shape}:")
            lines += [f"    - {difference}" for difference in differences]
    lines.append(
        "Either change the table by hand until it matches one of these shapes and run `stockdata migrate adopt` "
        f"again, or, if you have checked the schema yourself, record it with `stockdata migrate stamp {initial} "
        "--verified-by-hand` (you take responsibility for any difference; `stockdata migrate check` lists those "
        "the models can see)."
    )
    return "\n".join(lines)
