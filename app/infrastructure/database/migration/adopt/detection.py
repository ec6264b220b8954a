"""Whether a database without a revision has anything to adopt, told without importing the adoption machinery.

An upgrade of an empty database (the usual first deploy) asks this and stops here; only a database that holds
tables of its own goes on to :mod:`.adoption`, which replays the legacy definitions to compare them.
"""

from __future__ import annotations

from alembic.script import Script, ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from app.infrastructure.database.migration.bookkeeping import TABLE_NAMES
from app.infrastructure.database.migration.errors import MigrationError, MigrationSetupError
from app.infrastructure.database.migration.inspect.revisions import VERSION_TABLE
from app.infrastructure.database.migration.results import Adoption


def has_application_tables(connection: Connection) -> bool:
    """True when the database holds a table besides Alembic's and stockdata's bookkeeping."""
    return bool(set(inspect(connection).get_table_names()) - {VERSION_TABLE} - TABLE_NAMES)


def initial_revision(script: ScriptDirectory) -> Script:
    """The one base revision of ``script``, which a legacy database is brought to; raises when there is not one."""
    bases = script.get_bases()
    if not bases:
        raise MigrationSetupError(
            f"the migration scripts have no revisions yet ({script.versions} is empty); write the first with "
            '`stockdata migrate revision -m "initial schema"`, or point MIGRATION_SCRIPT_LOCATION at your scripts'
        )
    if len(bases) != 1:
        raise MigrationError(f"the migration scripts have {len(bases)} base revisions; adoption needs exactly one")
    initial = script.get_revision(bases[0])
    if initial is None:
        raise MigrationError(f"the base revision {bases[0]} cannot be loaded")
    return initial


def adopt_before_upgrade(connection: Connection, script: ScriptDirectory) -> Adoption | None:
    """Adopt a legacy database so that an upgrade can continue from the initial revision; ``None`` if not legacy.

    The runner calls it on a database without a revision only (:data:`..run.runner.Prepare`).
    """
    initial_revision(script)  # an empty versions folder is said as adoption says it
    if not has_application_tables(connection):
        return None
    from app.infrastructure.database.migration.adopt import adoption

    adopted = adoption.adopt(connection, script)
    return adopted if adopted.state == "legacy" else None
