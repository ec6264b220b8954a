"""Why a run failed: the one place that turns what a run raised into the MigrationError a person reads.

A run that fails has been rolled back; what the person needs to know is whether the revision is at fault (fix it),
the database refused (a lock held too long, a read-only file, a missing privilege: fix that, not the revision) or
the connection went away (nothing to fix: run again). :func:`classify` decides, in that order.
"""

from __future__ import annotations

import os
import traceback
from pathlib import Path

from alembic.config import Config
from alembic.script import Script
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from app.infrastructure.database.migration.connection import describe_target, first_line
from app.infrastructure.database.migration.errors import ConnectionLostError, MigrationError, PermissionDeniedError
from app.infrastructure.database.migration.run import timeouts
from app.infrastructure.database.migration.setup import load_scripts

# PostgreSQL: insufficient_privilege, and a read-only transaction (a standby, default_transaction_read_only).
_PERMISSION_SQLSTATES = frozenset({"42501", "25006"})
# admin_shutdown, crash_shutdown, cannot_connect_now; class 08 is connection_exception.
_LOST_SQLSTATES = frozenset({"57P01", "57P02", "57P03"})
_SQLITE_READ_ONLY = "attempt to write a readonly database"


def classify(exc: Exception, *, failed: Script | None, config: Config) -> MigrationError:
    """The error to raise for ``exc``, raised while running ``failed`` (``None``: outside any revision)."""
    where = f"revision {failed.revision} ({failed.doc})" if failed is not None else "the migration"
    if not isinstance(exc, DBAPIError):
        return MigrationError(
            f"{where} failed and was rolled back: {type(exc).__name__}: {_one_line(str(exc))} "
            f"({_origin(exc, Path(load_scripts(config).dir))}). "
            "Fix the revision and run the command again (-v shows the traceback)."
        )
    timed_out = timeouts.timeout_error(exc, revision=failed.revision if failed else None, where=where, config=config)
    if timed_out is not None:
        return timed_out
    url: str = config.attributes["database_url"]
    sqlstate = getattr(exc.orig, "sqlstate", None) or ""
    if exc.connection_invalidated or sqlstate in _LOST_SQLSTATES or sqlstate.startswith("08"):
        return ConnectionLostError(
            f"the connection to {describe_target(url)} was lost during {where} ({first_line(exc)}); it was rolled "
            "back, so nothing of it remains: run the command again"
        )
    if sqlstate in _PERMISSION_SQLSTATES or _SQLITE_READ_ONLY in str(exc.orig):
        return PermissionDeniedError(f"{where} was rolled back: {_refusal(url, exc)}")
    return MigrationError(
        f"{where} failed and was rolled back: {first_line(exc)}. Statement: {_statement(exc)}. "
        "Fix the revision and run the command again."
    )


def _refusal(url: str, exc: DBAPIError) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "").expanduser()
        if os.access(path, os.F_OK) and not os.access(path, os.W_OK):
            what = f"the database file {path} is read-only for this user"
        else:
            what = f"the folder {path.parent} of the database file is read-only for this user (SQLite journals there)"
        return f"{what}; nothing was changed. Make it writable, or run the command as the user who owns it"
    return (
        f"the database user {parsed.username!r} may not do this ({first_line(exc)}); nothing was changed. The revision "
        "is not at fault: grant the privilege (e.g. GRANT CREATE ON SCHEMA public TO that user) or migrate as the "
        "owner of the schema"
    )


def _statement(exc: DBAPIError) -> str:
    statement = _one_line(exc.statement or "COMMIT")
    return statement if len(statement) <= 300 else statement[:299] + "…"


def _origin(exc: BaseException, scripts: Path) -> str:
    # The revision's own line is the one to fix: the innermost frame in the scripts folder, else the last one.
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [frame for frame in frames if Path(frame.filename).is_relative_to(scripts)]
    if not (ours or frames):
        return "no traceback"
    frame = (ours or frames)[-1]
    return f"{frame.filename}:{frame.lineno}"


def _one_line(text: str) -> str:
    return " ".join(text.split())
