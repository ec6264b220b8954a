"""Running one revision function offline (for PostgreSQL by default), recording each statement and operation with
its line.

Lint, rename hints, the downgrade estimate and the foreign-table check need more than ``stockdata migrate sql``
gives: the SQL of *one* revision (merge revisions included), the Alembic operations it invoked, and for each of
them the line of the revision file that asked for it. So the function runs on its own offline
:class:`MigrationContext` (``as_sql``) instead of through env.py, wrapped in ``BEGIN``/``COMMIT`` as a real run is
(one transaction per revision).
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from alembic.operations import BatchOperations, MigrateOperation, Operations
from alembic.operations.batch import BatchOperationsImpl
from alembic.operations.ops import CreateTableOp
from alembic.runtime.migration import MigrationContext
from alembic.util import CommandError

from app.infrastructure.database.migration.setup import PLAIN_FORMS


@dataclass(frozen=True)
class Statement:
    """One SQL statement and the line of the revision file that produced it."""

    sql: str
    line: int


@dataclass(frozen=True)
class RecordedOperation:
    """One Alembic operation a revision function invoked, and the line that invoked it."""

    operation: MigrateOperation
    line: int


@dataclass(frozen=True)
class OfflineRun:
    """What running ``upgrade()`` or ``downgrade()`` offline produced."""

    function_line: int
    """The line of the function's ``def``."""
    statements: tuple[Statement, ...]
    operations: tuple[RecordedOperation, ...]
    failure: Statement | None = None
    """The exception that stopped the function (its text and line), if it could not run to the end offline."""
    needs_database: bool = False
    """The failure comes from running without a database, not from the code: SQLite batch operations that must
    reflect their table, or a result read from ``op.get_bind().execute()`` (``None`` offline)."""
    deliberate: bool = False
    """The function itself raised ``NotImplementedError``: the documented way to say a revision is irreversible."""

    @property
    def broken(self) -> bool:
        """The function failed through a fault of its code (an undefined name, a type the dialect cannot compile)."""
        return self.failure is not None and not self.needs_database and not self.deliberate


class _StatementBuffer:
    """The output buffer Alembic writes offline SQL to, one ``write`` per statement, keeping each one's line."""

    def __init__(self, locate: Callable[[], int]) -> None:
        self.statements: list[Statement] = []
        self._locate = locate

    def write(self, text: str) -> int:
        self.statements.append(Statement(text.strip(), self._locate()))
        return len(text)

    def flush(self) -> None:
        """Nothing is buffered."""


class _RecordingBatchOperations(BatchOperations):
    """Batch operations that record each operation and, when they carry it out, emit its SQL at once."""

    def __init__(
        self,
        context: MigrationContext,
        *,
        impl: BatchOperationsImpl,
        record: Callable[[MigrateOperation], None],
        carry_out: bool,
    ) -> None:
        super().__init__(context, impl=impl)
        self._record = record
        self._carry_out = carry_out

    def invoke(self, operation: MigrateOperation) -> Any:
        self._record(operation)
        if not self._carry_out:
            return None
        result = super().invoke(operation)
        if self.impl.recreate != "always":
            # PostgreSQL never recreates the table, so the queued ALTERs would run one by one at the end of the
            # ``with`` block anyway; running each now ties its SQL to the line that asked for it.
            self.impl.flush()
            self.impl.batch.clear()
        return result


def _record_invocations(operations: Operations, record: Callable[[MigrateOperation], None], *, carry_out: bool) -> None:
    """Make ``operations`` record every operation invoked through it, batch mode included; without ``carry_out``,
    only record them (``op.create_table`` still returns its table)."""
    invoke = operations.invoke
    batch_alter_table = operations.batch_alter_table

    def recording_invoke(operation: MigrateOperation) -> Any:
        record(operation)
        if carry_out:
            return invoke(operation)
        if isinstance(operation, CreateTableOp):
            return operation.to_table(operations.migration_context)
        return None

    @contextmanager
    def recording_batch_alter_table(table_name: str, *args: Any, **kwargs: Any) -> Iterator[BatchOperations]:
        with batch_alter_table(table_name, *args, **kwargs) as batch_op:
            yield _RecordingBatchOperations(
                operations.migration_context, impl=batch_op.impl, record=record, carry_out=carry_out
            )

    # The module-level ``op`` functions look each method up on this instance when called, so these shadow the
    # class's methods for this run only.
    vars(operations).update(invoke=recording_invoke, batch_alter_table=recording_batch_alter_table)


def run_offline(
    module: ModuleType,
    function_name: str,
    *,
    dialect: str = "postgresql",
    plain_forms: bool = False,
    sql: bool = True,
) -> OfflineRun:
    """Run ``module.<function_name>()`` offline for ``dialect``; an exception it raises is recorded, not raised.

    Another dialect than PostgreSQL is for showing SQL only: SQLite's batch operations cannot run offline and fail.
    With ``plain_forms`` the safe forms record the plain operations they stand for (what the data must fit).
    Without ``sql`` the operations are recorded but not rendered (no statements, no failure to compile one): what
    a reader of the operations alone needs, at a third of the cost.
    """
    function = getattr(module, function_name)
    code = function.__code__
    locate = _line_locator(code.co_filename, code.co_firstlineno)
    buffer = _StatementBuffer(locate)
    operations: list[RecordedOperation] = []
    context = _offline_context(dialect, plain_forms, buffer)
    failure = None
    needs_database = deliberate = False
    with Operations.context(context) as op:
        _record_invocations(
            op, lambda operation: operations.append(RecordedOperation(operation, locate())), carry_out=sql
        )
        context.impl.emit_begin()
        try:
            function()
        except Exception as exc:
            line = _failing_line(exc, code.co_filename, code.co_firstlineno)
            failure = Statement(f"{type(exc).__name__}: {exc}", line)
            needs_database = _needs_database(exc)
            raised_here = traceback.extract_tb(exc.__traceback__)[-1].filename == code.co_filename
            deliberate = isinstance(exc, NotImplementedError) and raised_here
        context.impl.emit_commit()
    return OfflineRun(
        code.co_firstlineno, tuple(buffer.statements), tuple(operations), failure, needs_database, deliberate
    )


def _offline_context(dialect: str, plain_forms: bool, buffer: _StatementBuffer) -> MigrationContext:
    """An offline context for ``dialect`` writing to ``buffer``. Building one costs more than a small revision's
    whole offline run (the dialect, the version table), so each thread keeps one per kind and reuses it."""
    kinds: dict[tuple[str, bool], MigrationContext] = vars(_contexts).setdefault("kinds", {})
    context = kinds.get((dialect, plain_forms))
    if context is None:
        context = kinds[dialect, plain_forms] = MigrationContext.configure(
            dialect_name=dialect,
            dialect_opts={"paramstyle": "named"},
            opts={"as_sql": True, "literal_binds": True, "transactional_ddl": True, PLAIN_FORMS: plain_forms},
        )
    context.output_buffer = context.impl.output_buffer = buffer  # type: ignore[assignment]
    context.impl.memo = {}
    return context


_contexts = threading.local()


def _needs_database(exc: Exception) -> bool:
    if isinstance(exc, CommandError):
        return "cannot proceed in --sql mode" in str(exc)
    return isinstance(exc, AttributeError | TypeError) and "'NoneType' object" in str(exc)


def _line_locator(filename: str, default: int) -> Callable[[], int]:
    def locate() -> int:
        for frame, line in traceback.walk_stack(None):
            if frame.f_code.co_filename == filename:
                return line
        return default

    return locate


def _failing_line(exc: Exception, filename: str, default: int) -> int:
    lines = [frame.lineno for frame in traceback.extract_tb(exc.__traceback__) if frame.filename == filename]
    return (lines[-1] or default) if lines else default
