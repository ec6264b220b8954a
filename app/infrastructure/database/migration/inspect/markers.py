"""Comments in a revision file that speak to stockdata, and the Python statement each one belongs to.

Two readers share this: lint's ``# migrate-lint: ignore[rule] why`` silences a finding, and the pre-flight's
``# migrate: destroys-data why`` acknowledges an operation that destroys data. Both apply to every line of the
statement the comment sits in, so a call spread over several lines can carry its comment on any of them.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Marker:
    """One marker comment: its line, the names in its brackets (if any), and the reason after them."""

    line: int
    names: frozenset[str]
    reason: str


@dataclass(frozen=True)
class MarkedSource:
    """The markers of one kind in a revision file, and its statements, to tell which markers cover a line."""

    markers: tuple[Marker, ...]
    statements: tuple[ast.stmt, ...]

    def covering(self, line: int) -> tuple[Marker, ...]:
        """The markers inside the smallest statement containing ``line``."""
        span = self.span(line)
        return tuple(marker for marker in self.markers if marker.line in span)

    def span(self, line: int) -> range:
        """The lines of the smallest statement containing ``line``."""
        containing = [node for node in self.statements if node.lineno <= line <= (node.end_lineno or node.lineno)]
        if not containing:
            return range(line, line + 1)
        smallest = min(containing, key=lambda node: (node.end_lineno or node.lineno) - node.lineno)
        return range(smallest.lineno, (smallest.end_lineno or smallest.lineno) + 1)


def read_markers(source: str, tag: str) -> MarkedSource:
    """The ``# <tag>[names] reason`` (or ``# <tag> reason``) comments of ``source``; ``tag`` is a regex fragment."""
    pattern = re.compile(rf"#\s*{tag}(?:\[([^\]]*)\])?(.*)")
    markers = []
    for number, text in enumerate(source.splitlines(), start=1):
        match = pattern.search(text)
        if match is None:
            continue
        names = frozenset(name.strip() for name in (match.group(1) or "").split(",") if name.strip())
        markers.append(Marker(number, names, match.group(2).strip()))
    if not markers:  # nothing to cover: spare the parse, which would cost more than the rest of a pre-flight step
        return MarkedSource((), ())
    statements = tuple(node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.stmt))
    return MarkedSource(tuple(markers), statements)
