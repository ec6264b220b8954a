"""SQLite foreign keys during migrations, handled the way SQLite documents for schema changes.

Batch operations rebuild a table: create a copy, move the rows, drop the original, rename the copy. With foreign
keys enforced, dropping a table that others reference fails, or fires their ``ON DELETE`` actions and silently
deletes or nulls the referencing rows. SQLite's procedure is to turn enforcement off around the change, but
``PRAGMA foreign_keys`` is ignored inside a transaction, and every revision runs in one. So the migration connection
turns enforcement off before any transaction begins, and each revision runs ``PRAGMA foreign_key_check`` just
before it commits: a revision that leaves a row pointing nowhere fails and is rolled back, as on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from alembic.runtime.migration import MigrationContext, MigrationInfo
from sqlalchemy.ext.asyncio import AsyncConnection

from app.infrastructure.database.direct import execute_direct
from app.infrastructure.database.migration.errors import MigrationError


async def defer_to_revisions(connection: AsyncConnection) -> None:
    """On SQLite, stop enforcing foreign keys on ``connection``; each revision checks them before its commit."""
    if connection.dialect.name != "sqlite":
        return
    await connection.commit()
    # Straight to the driver: SQLAlchemy would open a transaction first, where SQLite ignores this pragma.
    raw = await connection.get_raw_connection()
    cursor = await raw.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
    await cursor.close()


class ForeignKeyCheck:
    """``on_version_apply`` callback: fail the revision if it left rows whose foreign key points nowhere."""

    def __init__(self) -> None:
        self._enforced: bool | None = None

    def __call__(self, *, ctx: MigrationContext, step: MigrationInfo, **_: Any) -> None:
        connection = ctx.connection
        if ctx.as_sql or connection is None or connection.dialect.name != "sqlite":
            return
        if self._enforced is None:
            # Read once per run: it is set before the run starts, and SQLite ignores it inside a transaction.
            self._enforced = bool(execute_direct(connection, "PRAGMA foreign_keys")[0][0])
        if self._enforced:
            return  # enforced all along: no revision could leave a dangling reference
        violations = execute_direct(connection, "PRAGMA foreign_key_check")
        if violations:
            pairs = ", ".join(sorted({f"{row[0]} → {row[2]}" for row in violations}))
            direction = "upgrade" if step.is_upgrade else "downgrade"
            raise MigrationError(
                f"the {direction} of revision {step.up_revision_id} left {len(violations)} row(s) whose foreign key "
                f"points to no row ({pairs}) and was rolled back; fix the revision or the data and run it again"
            )
