"""Reading the revision graph and where the database stands in it: resolving targets, planning runs, and turning
Alembic's errors into ours.

Alembic is imported where its graph is used, and SQLAlchemy where ``alembic_version`` is read, not with this
module: the read-only commands' fast path (:mod:`.revision_files`, :mod:`.bookkeeping_rows`) imports neither.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from app.infrastructure.database.migration.errors import (
    AmbiguousRevisionError,
    CorruptVersionTableError,
    MigrationError,
    MultipleHeadsError,
    UnknownRevisionError,
)
from app.infrastructure.database.migration.inspect.revision_files import create_date
from app.infrastructure.database.migration.results import RevisionInfo

if TYPE_CHECKING:
    from alembic.script import Script, ScriptDirectory
    from sqlalchemy.engine import Connection

VERSION_TABLE = "alembic_version"
"""Alembic's version table (no ``version_table`` option is configured), with its one column ``version_num``."""

# What Alembic writes (hex ids, or --rev-id's words); anything else in alembic_version was not written by it.
_WELL_FORMED_ID = re.compile(r"[\w.\-]+")


@contextmanager
def revision_errors(target: str = "the relative revision") -> Iterator[None]:
    """Turn Alembic's revision-graph errors into typed migration errors with advice; ``target`` names the goal."""
    from alembic.script.revision import MultipleHeads, RangeNotAncestorError, ResolutionError
    from alembic.util import CommandError

    try:
        yield
    except (CommandError, MultipleHeads, ResolutionError, RangeNotAncestorError) as exc:
        raise _translate(exc, target) from exc


def _translate(exc: Exception, target: str) -> MigrationError:
    from alembic.script.revision import MultipleHeads, RangeNotAncestorError, ResolutionError, RevisionError
    from alembic.util import CommandError

    cause = exc.__cause__ if isinstance(exc, CommandError) and exc.__cause__ is not None else exc
    if isinstance(cause, MultipleHeads):
        return multiple_heads_error(cause.heads)
    if isinstance(cause, ResolutionError):
        if str(cause).startswith("Multiple revisions start with"):
            return AmbiguousRevisionError(f"{cause}; give more characters of the revision id")
        return UnknownRevisionError(
            f"unknown revision {cause.argument!r}; `stockdata migrate history` lists the revisions this code has"
        )
    if isinstance(cause, RangeNotAncestorError):
        return MigrationError(f"{exc}; `stockdata migrate status` shows where the database stands")
    if isinstance(cause, RevisionError) and str(cause).startswith("Relative revision"):
        return UnknownRevisionError(
            f"{target} goes past the first or the last revision from where the database stands; "
            "`stockdata migrate status` shows which revisions are applied"
        )
    return MigrationError(" ".join(str(exc).split()))


def multiple_heads_error(heads: Sequence[str]) -> MultipleHeadsError:
    """The error for scripts with several heads, telling how to merge them."""
    return MultipleHeadsError(
        f"the migration scripts have several heads ({', '.join(sorted(heads))}); merge them with "
        '`stockdata migrate merge -m "merge heads"`, or name one revision explicitly'
    )


def version_rows(connection: Connection) -> tuple[str, ...]:
    """Every row of ``alembic_version`` as it is, however malformed; empty for an unmigrated database."""
    from sqlalchemy import column, inspect, select, table

    if not inspect(connection).has_table(VERSION_TABLE):
        return ()
    return tuple(connection.scalars(select(column("version_num")).select_from(table(VERSION_TABLE))))


def current_heads(connection: Connection) -> tuple[str, ...]:
    """The revisions the database is at (its ``alembic_version`` rows); empty for an unmigrated database.

    Raises CorruptVersionTableError when a row cannot be a revision id at all (empty, blanks, control characters).
    """
    return well_formed(version_rows(connection))


def well_formed(rows: tuple[str, ...]) -> tuple[str, ...]:
    """``rows`` of ``alembic_version``; CorruptVersionTableError when one cannot be a revision id at all."""
    problem = corruption(None, rows)
    if problem is not None:
        raise corrupt_version_table(problem)
    return rows


def corruption(script: ScriptDirectory | None, rows: Sequence[str]) -> str | None:
    """What is wrong with the ``alembic_version`` rows, or None: ids that cannot be ids, rows on one line of descent.

    Without ``script`` only the ids themselves are checked. An id that is merely unknown is not corruption (the
    database may be ahead of this code): :func:`ensure_known` reports that.
    """
    malformed = [row for row in rows if not _WELL_FORMED_ID.fullmatch(row)]
    if malformed:
        return f"it holds {len(malformed)} row(s) that cannot be a revision id ({', '.join(map(repr, malformed))})"
    if script is None or len(rows) < 2:
        return None
    known = [row for row in rows if _known(script, row)]
    for row in known:
        below = {rev.revision for rev in script.iterate_revisions(row, "base")} - {row}
        overlapping = sorted(below.intersection(known))
        if overlapping:
            return (
                f"it holds {len(rows)} rows ({', '.join(sorted(rows))}) where the revision graph allows one: "
                f"{row} comes after {', '.join(overlapping)}"
            )
    return None


def corrupt_version_table(problem: str) -> CorruptVersionTableError:
    """The error for a corrupt ``alembic_version``, ``problem`` saying what is wrong with it."""
    return CorruptVersionTableError(
        f"the version table alembic_version is corrupt: {problem}; nothing was changed. Find the revision the schema "
        "really is at (`stockdata migrate history` lists them), record it with `stockdata migrate stamp <revision>`, "
        "which replaces every row, then confirm with `stockdata migrate check`"
    )


def _known(script: ScriptDirectory, revision: str) -> bool:
    from alembic.script.revision import ResolutionError
    from alembic.util import CommandError

    try:
        return script.get_revision(revision) is not None
    except (ResolutionError, CommandError):
        return False


def ensure_known(script: ScriptDirectory, current: Sequence[str]) -> None:
    """Raise CorruptVersionTableError for rows the graph cannot have, UnknownRevisionError for unknown revisions."""
    from alembic.script.revision import ResolutionError
    from alembic.util import CommandError

    problem = corruption(script, current)
    if problem is not None:
        raise corrupt_version_table(problem)
    for revision in current:
        try:
            script.get_revision(revision)
        except (ResolutionError, CommandError):
            raise UnknownRevisionError(
                f"the database is at revision {revision}, which this code does not have: the database is ahead of "
                "this code (deploy the newer code) or that revision's file was removed"
            ) from None


def resolve(script: ScriptDirectory, revision: str) -> tuple[str, ...]:
    """Resolve ``revision`` (id, prefix, ``head``, ``base``…) to full revision ids, with typed errors."""
    _require(revision)
    with revision_errors():
        return tuple(rev.revision for rev in script.get_revisions(revision) if rev is not None)


def _require(revision: str) -> None:
    # Alembic asserts on an empty id instead of raising an error a person could read.
    if not revision.strip():
        raise UnknownRevisionError(
            "no revision given (an empty string); name one, e.g. head, base or an id from `stockdata migrate history`"
        )


def plan_upgrade(script: ScriptDirectory, target: str, current: Sequence[str]) -> list[Script]:
    """The revisions an upgrade from ``current`` to ``target`` applies, in order."""
    _require(target)
    with revision_errors(repr(target)):
        # The same planning Alembic's own upgrade uses, so the plan and the run agree.
        return [step.revision for step in script._upgrade_revs(target, tuple(current))]  # type: ignore[arg-type]


def plan_downgrade(script: ScriptDirectory, target: str, current: Sequence[str]) -> list[Script]:
    """The revisions a downgrade from ``current`` to ``target`` undoes, in order."""
    _require(target)
    if is_relative(target) and target.startswith("-"):
        if not current:
            return []
        if len(current) > 1:
            raise MultipleHeadsError(
                f"the database is at several heads ({', '.join(sorted(current))}), so {target} is ambiguous; name the "
                "revision to downgrade to (`stockdata migrate status` lists them)"
            )
    with revision_errors(repr(target)):
        return [step.revision for step in script._downgrade_revs(target, tuple(current))]  # type: ignore[arg-type]


def is_relative(target: str) -> bool:
    """True for a target counted from the database's current revision: ``+2``, ``-1``."""
    return re.fullmatch(r"[+-]\d+", target) is not None


def pin(script: ScriptDirectory, target: str, current: Sequence[str], *, downgrade: bool) -> str:
    """The absolute revision a relative ``target`` reaches from ``current`` (``base`` below the first); else ``target``.

    A pinned target means the same thing however long the run waits for the migration lock, and however often it
    is retried. A step down past a merge point stays relative.
    """
    if not is_relative(target):
        return target
    planned = plan_downgrade(script, target, current) if downgrade else plan_upgrade(script, target, current)
    if not planned:
        return target
    if not downgrade:
        return planned[-1].revision
    below = planned[-1].down_revision
    if below is None:
        return "base"
    return below if isinstance(below, str) else target


def is_past(script: ScriptDirectory, target: str, current: Sequence[str]) -> bool:
    """True when the database at ``current`` has ``target`` applied and is beyond it: an upgrade has nothing to do."""
    reached = set(resolve(script, target))
    return bool(reached) and reached != set(current) and reached <= applied_set(script, current)


def all_revisions(script: ScriptDirectory, applied: set[str] | None = None) -> tuple[RevisionInfo, ...]:
    """Every revision, oldest first; ``applied`` (when given) marks those the database has."""
    heads = set(script.get_heads())
    with revision_errors():
        scripts = list(script.walk_revisions())
    return tuple(
        RevisionInfo(
            revision=rev.revision,
            down_revisions=_as_tuple(rev.down_revision),
            message=rev.doc,
            create_date=_create_date(rev),
            is_head=rev.revision in heads,
            applied=None if applied is None else rev.revision in applied,
        )
        for rev in reversed(scripts)
    )


def applied_set(script: ScriptDirectory, current: Sequence[str]) -> set[str]:
    """Every revision at or below the database's current heads."""
    if not current:
        return set()
    with revision_errors():
        return {rev.revision for rev in script.iterate_revisions(tuple(current), "base")}


def info(rev: Script) -> RevisionInfo:
    """Describe one script."""
    return RevisionInfo(rev.revision, _as_tuple(rev.down_revision), rev.doc, _create_date(rev), rev.is_head)


def _as_tuple(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _create_date(rev: Script) -> str | None:
    return create_date(rev.module.__doc__)
