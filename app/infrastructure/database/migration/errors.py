"""Migration errors: each says what happened and what to do, and carries the CLI's exit code.

=====  ==================================  ===================================================================
code   error                               meaning
=====  ==================================  ===================================================================
1      MigrationError                      any other failure, e.g. a revision's statement or Python code raised
2      InvalidRevisionRangeError, (click)  bad command-line usage, e.g. a malformed ``sql`` range
3      ConfigurationError                  a setting or ``--database-url`` is malformed
4      DatabaseUnreachableError            the database could not be reached
5      UnknownRevisionError                a revision id is unknown, or the database is ahead of this code
6      AmbiguousRevisionError              a revision prefix matches several revisions
7      MultipleHeadsError                  the scripts have several heads; merge them
8      MigrationSetupError                 a file it needs is missing: ``alembic.ini``, ``alembic/``, squawk…
9      PendingMigrationsError              ``check``: revisions are waiting to be applied
10     DriftDetectedError                  ``check``: the models and the database differ
11     NothingToGenerateError              ``revision --autogenerate`` found no change
12     ConfirmationRequiredError           a destructive command needs ``--yes`` (or a terminal)
13     MigrationLockTimeoutError           another migrator held the migration lock longer than allowed
14     DDLLockTimeoutError                 ``lock_timeout``/``statement_timeout`` hit, or the SQLite file stayed busy
15     UnknownLegacyStateError             a database without a revision matches no known legacy state
16     ModifiedMigrationsError             applied revisions' scripts changed or disappeared (``verify``)
17     ProductionGuardError                a production database needs its name typed or the explicit flag
18     LintFailedError                     ``lint``: a revision has findings of severity error
19     DataLossRefusedError                the pre-flight found unacknowledged data loss, or data the run cannot take
20     RevisionFileError                   a revision file does not import, or fails its self-check
21     DatabaseMovedError                  the database changed between the confirmation and the run
22     PermissionDeniedError               the database refuses the write: read-only file or folder, missing privilege
23     ConnectionLostError                 the connection was lost during a revision, which was rolled back
24     CorruptVersionTableError            ``alembic_version`` holds rows the revision graph cannot have
25     PoolerDetectedError                 the migration connection goes through a transaction pooler
26     UnsafeOperationError                an operation would block a big table for long; its safe form is needed
=====  ==================================  ===================================================================
"""

from __future__ import annotations

from typing import Any

from app.core.errors import ConfigurationError, StockdataError

__all__ = [
    "AmbiguousRevisionError",
    "ConfigurationError",
    "ConfirmationRequiredError",
    "ConnectionLostError",
    "CorruptVersionTableError",
    "DDLLockTimeoutError",
    "DataLossRefusedError",
    "DatabaseMovedError",
    "DatabaseUnreachableError",
    "DriftDetectedError",
    "InvalidRevisionRangeError",
    "LintFailedError",
    "MigrationError",
    "MigrationLockTimeoutError",
    "MigrationSetupError",
    "ModifiedMigrationsError",
    "MultipleHeadsError",
    "NothingToGenerateError",
    "PendingMigrationsError",
    "PermissionDeniedError",
    "PoolerDetectedError",
    "ProductionGuardError",
    "RevisionFileError",
    "UnknownLegacyStateError",
    "UnknownRevisionError",
    "UnsafeOperationError",
]


class MigrationError(StockdataError):
    """A migration command could not do what it was asked."""

    exit_code = 1


class InvalidRevisionRangeError(MigrationError):
    """A ``[FROM:]TO`` range is malformed, relative, or joins revisions on different branches."""

    exit_code = 2


class DatabaseUnreachableError(MigrationError):
    """The database server or file could not be reached."""

    exit_code = 4


class UnknownRevisionError(MigrationError):
    """A revision id is not among this code's revisions (or the database is ahead of the code)."""

    exit_code = 5


class AmbiguousRevisionError(MigrationError):
    """A revision prefix matches more than one revision."""

    exit_code = 6


class MultipleHeadsError(MigrationError):
    """The revision graph has more than one head."""

    exit_code = 7


class MigrationSetupError(MigrationError):
    """A file stockdata needs is missing or unreadable: ``alembic.ini``, the scripts, squawk, the legacy SQL."""

    exit_code = 8


class PendingMigrationsError(MigrationError):
    """Revisions exist that the database has not applied."""

    exit_code = 9


class DriftDetectedError(MigrationError):
    """The models and the database schema differ."""

    exit_code = 10

    def __init__(self, message: str, differences: list[Any]) -> None:
        super().__init__(message)
        self.differences = differences


class NothingToGenerateError(MigrationError):
    """Autogenerate found no difference, so no revision was written."""

    exit_code = 11


class ConfirmationRequiredError(MigrationError):
    """A destructive command was not confirmed."""

    exit_code = 12


class MigrationLockTimeoutError(MigrationError):
    """Another migrator held the migration lock for longer than ``MIGRATION_LOCK_TIMEOUT``."""

    exit_code = 13


class DDLLockTimeoutError(MigrationError):
    """A revision's statement hit ``lock_timeout`` (or ``statement_timeout``) and the revision was rolled back."""

    exit_code = 14

    def __init__(self, message: str, *, revision: str | None, timeout: str, seconds: float, statement: str) -> None:
        super().__init__(message)
        self.revision = revision
        self.timeout = timeout
        """``lock_timeout``, ``statement_timeout`` or (SQLite) ``busy_timeout``."""
        self.seconds = seconds
        self.statement = statement


class UnknownLegacyStateError(MigrationError):
    """A database without a revision matches no known legacy state, so it was neither adopted nor changed."""

    exit_code = 15

    def __init__(self, message: str, differences: dict[str, dict[str, list[str]]]) -> None:
        super().__init__(message)
        self.differences = differences
        """Per table, per known shape, how the table differs from it."""


class ModifiedMigrationsError(MigrationError):
    """Applied revisions' scripts changed or disappeared since they were applied."""

    exit_code = 16

    def __init__(self, message: str, mismatches: list[Any]) -> None:
        super().__init__(message)
        self.mismatches = mismatches


class ProductionGuardError(MigrationError):
    """A guarded command against a production database was not confirmed."""

    exit_code = 17


class LintFailedError(MigrationError):
    """``migrate lint`` found errors in the revisions it linted."""

    exit_code = 18


class DataLossRefusedError(MigrationError):
    """The pre-flight found that the run would destroy rows or fail on the data, and no revision acknowledges it."""

    exit_code = 19


class RevisionFileError(MigrationError):
    """A revision file cannot be imported, or fails the self-check run after it is written."""

    exit_code = 20


class DatabaseMovedError(MigrationError):
    """The database's revision changed between what was shown and confirmed and the run itself."""

    exit_code = 21


class PermissionDeniedError(MigrationError):
    """The database refuses to be changed: a read-only file or folder, or a missing privilege."""

    exit_code = 22


class ConnectionLostError(MigrationError):
    """The connection was lost during a revision; the revision was rolled back, and running again is the fix."""

    exit_code = 23


class CorruptVersionTableError(MigrationError):
    """``alembic_version`` holds rows that the revision graph cannot have (several where one is allowed, empty ids)."""

    exit_code = 24


class PoolerDetectedError(MigrationError):
    """The migration connection goes through a transaction pooler, where the migration lock cannot hold."""

    exit_code = 25


class UnsafeOperationError(MigrationError):
    """An operation would block a big table for long; the revision needs the operation's safe form."""

    exit_code = 26
