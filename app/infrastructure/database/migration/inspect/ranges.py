"""Revision ranges ``[FROM:]TO`` for offline SQL: checked against the revision graph, given a direction, rendered."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from app.infrastructure.database.migration.errors import InvalidRevisionRangeError
from app.infrastructure.database.migration.inspect import revisions
from app.infrastructure.database.migration.setup import load_scripts

_RELATIVE = re.compile(r"[+-]\d+$")


@dataclass(frozen=True)
class RevisionRange:
    """A range to render: from ``start`` to ``end``, downwards when ``is_downgrade``."""

    start: str
    end: str
    is_downgrade: bool

    @property
    def argument(self) -> str:
        """The range as Alembic's ``upgrade``/``downgrade`` take it."""
        return f"{self.start}:{self.end}"


def render_sql(config: Config, text: str) -> str:
    """The SQL of the range ``text`` for ``config``'s dialect, rendered offline; empty when it holds no revision."""
    buffer = io.StringIO()
    config.output_buffer = buffer
    planned = plan_range(load_scripts(config), text)
    if planned is None:
        return ""
    run = command.downgrade if planned.is_downgrade else command.upgrade
    with revisions.revision_errors():
        run(config, planned.argument, sql=True)
    return buffer.getvalue()


def plan_range(script: ScriptDirectory, text: str) -> RevisionRange | None:
    """Parse ``text`` (``FROM`` defaults to base) and check it; ``None`` when the range holds no revision."""
    start, end = _split(text)
    starts, ends = set(revisions.resolve(script, start)), set(revisions.resolve(script, end))
    if starts == ends:
        return None
    if ends <= revisions.applied_set(script, tuple(starts)):
        return RevisionRange(start, end, is_downgrade=True)
    if starts <= revisions.applied_set(script, tuple(ends)):
        return RevisionRange(start, end, is_downgrade=False)
    raise InvalidRevisionRangeError(
        f"{start} and {end} are on different branches, so no migration leads from one to the other; "
        "`stockdata migrate history` shows the graph"
    )


def _split(text: str) -> tuple[str, str]:
    parts = [part.strip() for part in text.split(":")]
    # An empty side is refused on either end (":head" as "head:"): FROM is left out with its colon, never half-given.
    if len(parts) > 2 or not all(parts):
        raise InvalidRevisionRangeError(
            f"{text!r} is not a revision range; expected [FROM:]TO with both sides named, e.g. head (from base), "
            "dceebfc4ff9f:head or head:base"
        )
    start, end = (parts[0], parts[1]) if len(parts) == 2 else ("base", parts[0])
    for part in (start, end):
        if _RELATIVE.search(part):
            raise InvalidRevisionRangeError(
                f"offline SQL cannot count the relative step {part!r} without a database; name the revisions "
                "instead, e.g. dceebfc4ff9f:head (`stockdata migrate history` lists them)"
            )
    return start, end
