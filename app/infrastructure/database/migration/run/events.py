"""What a run reports while it waits for the migration lock, retries a revision or backfills (``on_event``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.infrastructure.database.migration.safe.progress import BackfillProgress


@dataclass(frozen=True)
class LockWaiting:
    """Another migrator holds the migration lock; this run waits for it."""

    target: str
    """The database, as :func:`~app.infrastructure.database.migration.connection.describe_target` names it."""
    holder: str | None
    """Who holds the lock, when the database can tell (PostgreSQL session, or the process named in the lock file)."""
    timeout: float

    def describe(self) -> str:
        """One line for people."""
        holder = f", held by {self.holder}" if self.holder else ""
        return f"Waiting up to {self.timeout:g} s for the migration lock on {self.target}{holder}..."


@dataclass(frozen=True)
class LockAcquired:
    """The migration lock was taken after waiting for it."""

    waited: float

    def describe(self) -> str:
        """One line for people."""
        return f"Got the migration lock after {self.waited:.1f} s."


@dataclass(frozen=True)
class RevisionRetry:
    """A revision hit the DDL lock timeout, was rolled back, and will be run again after a pause."""

    revision: str | None
    """``None`` when the statement was not a revision's (reading or creating ``alembic_version``)."""
    timeout: str
    seconds: float
    statement: str
    attempt: int
    """1 for the first retry."""
    retries: int
    pause: float

    def describe(self) -> str:
        """One line for people."""
        subject = f"Revision {self.revision}" if self.revision else "The migration"
        return (
            f"{subject} was rolled back: {self.timeout} ({self.seconds:g} s) expired on "
            f"{self.statement[:120]}; retry {self.attempt} of {self.retries} in {self.pause:g} s."
        )


MigrationEvent = LockWaiting | LockAcquired | RevisionRetry | BackfillProgress
OnEvent = Callable[[MigrationEvent], None]
