"""What a long safe operation reports while it works: to the run's ``on_event`` callback, else to the log."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from alembic import op

ON_EVENT = "stockdata.on_event"
"""The ``config.attributes`` key under which the API's run puts its ``on_event`` callback for the revisions."""

logger = logging.getLogger("alembic.runtime.migration")  # plain `alembic` shows this logger's INFO lines


@dataclass(frozen=True)
class BackfillProgress:
    """A backfill committed another batch."""

    table: str
    done: int
    """Rows updated so far by this run (rows done before a crash are not counted again)."""
    total: int
    """Rows that needed values when this run started."""
    seconds: float

    @property
    def rows_per_second(self) -> float:
        """The rate so far."""
        return self.done / self.seconds if self.seconds > 0 else 0.0

    @property
    def eta_seconds(self) -> float | None:
        """Seconds left at the rate so far; ``None`` before the first batch."""
        rate = self.rows_per_second
        return max(0.0, (self.total - self.done) / rate) if rate > 0 else None

    def describe(self) -> str:
        """One line for people."""
        eta = "" if self.eta_seconds is None else f", about {self.eta_seconds:.0f} s left"
        share = f" ({self.done / self.total:.0%})" if self.total else ""
        return (
            f"Backfilling {self.table}: {self.done:,} of {self.total:,} rows{share}, "
            f"{self.rows_per_second:,.0f} rows/s{eta}."
        )


def report(event: BackfillProgress) -> None:
    """Tell the run's ``on_event`` callback (the CLI prints it on stderr), or log it for plain ``alembic``."""
    config = op.get_context().config
    callback = config.attributes.get(ON_EVENT) if config is not None else None
    if callback is not None:
        callback(event)
    else:
        logger.info(event.describe())
