<%!
    import unicodedata

    def docstring(text):
        # Any message must give a file that parses and whose docstring reads as the message: escape what would
        # end the docstring or start an escape sequence, and control characters Python source cannot hold raw.
        text = text.replace("\\", "\\\\").replace('"', '\\"')
        return "".join(
            f"\\x{ord(c):02x}" if unicodedata.category(c) == "Cc" and c not in "\n\t" else c for c in text
        )
%>"""${message | docstring}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op
${imports if imports else ""}

revision: str = ${repr(up_revision)}
down_revision: str | Sequence[str] | None = ${repr(down_revision)}
branch_labels: str | Sequence[str] | None = ${repr(branch_labels)}
depends_on: str | Sequence[str] | None = ${repr(depends_on)}


def upgrade() -> None:
    """Apply: ${message | docstring}."""
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    """Revert: ${message | docstring}."""
    ${downgrades if downgrades else "pass"}
