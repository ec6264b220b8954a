"""Reading the revision graph and where the database stands in it: resolving targets, planning runs, and turning
Alembic's errors into ours."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from alembic.script.revision import MultipleHeads, RangeNotAncestorError, ResolutionError, RevisionError
from alembic.util import CommandError
from sqlalchemy.engine import Connection

from app.infrastructure.database.migration.errors import (
    AmbiguousRevisionError,
    MigrationError,
    MultipleHeadsError,
    UnknownRevisionError,
)
from app.infrastructure.database.migration.results import RevisionInfo


@contextmanager
def revision_errors(target: str = "the relative revision") -> Iterator[None]:
    """Turn Alembic's revision-graph errors into typed migration errors with advice; ``target`` names the goal."""
    try:
        yield
    except (CommandError, MultipleHeads, ResolutionError, RangeNotAncestorError) as exc:
        raise _translate(exc, target) from exc


def _translate(exc: Exception, target: str) -> MigrationError:
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


def current_heads(connection: Connection) -> tuple[str, ...]:
    """The revisions the database is at (its ``alembic_version`` rows); empty for an unmigrated database."""
    return tuple(MigrationContext.configure(connection).get_current_heads())


def ensure_known(script: ScriptDirectory, current: Sequence[str]) -> None:
    """Raise UnknownRevisionError if the database is at a revision these scripts do not have."""
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
    for line in (rev.module.__doc__ or "").splitlines():
        if line.startswith("Create Date:"):
            return line.removeprefix("Create Date:").strip()
    return None
