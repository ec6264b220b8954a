"""Safe forms for big PostgreSQL tables: the operations a revision calls instead of Alembic's blocking ones.

A revision imports this package (``from app.infrastructure.database.migration import safe``) and calls, with the
signatures of the ``op`` functions they replace where there is one:

* :func:`create_index` — ``CREATE INDEX CONCURRENTLY`` outside the revision's transaction; an INVALID index left
  by a failed or killed build is dropped and built again;
* :func:`create_foreign_key`, :func:`create_check_constraint` — added ``NOT VALID``, then validated in a
  transaction of their own;
* :func:`set_not_null` — ``CHECK (col IS NOT NULL) NOT VALID``, ``VALIDATE``, ``SET NOT NULL`` (no scan), drop
  of the check;
* :func:`add_column` — a nullable column, its default, a batched backfill, then NOT NULL as above;
* :func:`alter_column_type` — expand/contract: a shadow column kept in step by a trigger, a batched backfill and
  a swap in a short transaction, carrying over the primary key, the column's own indexes and its sequence
  (refused on a big table when anything else uses the column);
* :func:`backfill` — batched, throttled, resumable ``UPDATE`` reporting its progress.

Every one is idempotent: run again after a crash at any point, it finishes the job. On SQLite each does what the
plain operation does (in batch mode where SQLite needs it), in the revision's transaction. Autogenerate writes
these calls for tables that already exist (:mod:`.autogenerate`); ``MIGRATION_SAFE_FORMS=false`` turns that off.
May import only the floor.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

# Bound now, not on first use: importing the module of the same name would otherwise leave the module here.
from app.infrastructure.database.migration.safe.backfill import backfill

if TYPE_CHECKING:
    from app.infrastructure.database.migration.safe.columns import add_column, alter_column_type
    from app.infrastructure.database.migration.safe.constraints import (
        create_check_constraint,
        create_foreign_key,
        set_not_null,
    )
    from app.infrastructure.database.migration.safe.indexes import create_index

# Where the other operations live: imported when a revision first uses one, so that a run whose revisions use none
# (and the run machinery, which needs only :mod:`.progress`) does not import them.
_MODULES = {
    "add_column": "columns",
    "alter_column_type": "columns",
    "create_check_constraint": "constraints",
    "create_foreign_key": "constraints",
    "create_index": "indexes",
    "set_not_null": "constraints",
}
__all__ = [
    "add_column",
    "alter_column_type",
    "backfill",
    "create_check_constraint",
    "create_foreign_key",
    "create_index",
    "set_not_null",
]


def __getattr__(name: str) -> Any:
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_MODULES[name]}"), name)
