"""What the big-table comparison applies: the rows it loads, and each operation's plain form, safe form and undo.

Each operation also runs on ``prices_copy``, a copy of ``prices`` (same rows, same indexes) that the writers never
touch: the same work on the same machine, without any lock the writers need — the busy baseline.
"""

from __future__ import annotations

INITIAL = "dceebfc4ff9f"
TABLE = "prices"
COPY = "prices_copy"

FILL = """
INSERT INTO stocks (ticker_symbol, company_name, market) SELECT 'T' || g, 'Company ' || g, 'Prime'
FROM generate_series(0, 3999) AS g;
INSERT INTO prices (ticker_symbol, "timestamp", open, high, low, close, volume, adjusted_close)
SELECT 'T' || g % 4000, TIMESTAMP '2000-01-01' + (g / 4000) * INTERVAL '1 day', 1, 2, 0.5, 1.5, g % 100000, 1.5
FROM generate_series(0, {count} - 1) AS g;
CREATE TABLE prices_copy (LIKE prices INCLUDING ALL);
INSERT INTO prices_copy SELECT * FROM prices;
ANALYZE prices;
ANALYZE prices_copy
"""
OPERATIONS: dict[str, tuple[str, str, str]] = {
    "add an index": (
        "op.create_index('ix_{table}_close', '{table}', ['close'])",
        "safe.create_index('ix_{table}_close', '{table}', ['close'])",
        "op.drop_index('ix_{table}_close', '{table}')",
    ),
    "add a foreign key": (
        "op.create_foreign_key('fk_{table}_bench', '{table}', 'stocks', ['ticker_symbol'], ['ticker_symbol'])",
        "safe.create_foreign_key('fk_{table}_bench', '{table}', 'stocks', ['ticker_symbol'], ['ticker_symbol'])",
        "op.drop_constraint('fk_{table}_bench', '{table}', type_='foreignkey')",
    ),
    "add a CHECK": (
        "op.create_check_constraint(op.f('ck_{table}_bench'), '{table}', 'volume >= 0')",
        "safe.create_check_constraint('ck_{table}_bench', '{table}', 'volume >= 0')",
        "op.drop_constraint(op.f('ck_{table}_bench'), '{table}', type_='check')",
    ),
    "set NOT NULL": (
        "op.alter_column('{table}', 'adjusted_close', nullable=False)",
        "safe.set_not_null('{table}', 'adjusted_close')",
        "op.alter_column('{table}', 'adjusted_close', nullable=True)",
    ),
    "add a backfilled column": (
        "op.add_column('{table}', sa.Column('turnover', sa.Float()))\n"
        "op.execute('UPDATE {table} SET turnover = close * volume')\n"
        "op.alter_column('{table}', 'turnover', nullable=False, server_default='0')",
        "safe.add_column('{table}', sa.Column('turnover', sa.Float(), nullable=False, server_default='0'), "
        "backfill='close * volume')",
        "op.drop_column('{table}', 'turnover')",
    ),
    "widen Integer to BigInteger": (
        "op.alter_column('{table}', 'volume', type_=sa.BigInteger(), existing_type=sa.Integer())",
        "safe.alter_column_type('{table}', 'volume', sa.BigInteger(), existing_type=sa.Integer())",
        "op.alter_column('{table}', 'volume', type_=sa.Integer(), existing_type=sa.BigInteger())",
    ),
}
FORMS = ("plain", "safe")
REVISION = '''"""{form}: {name} on {table}"""

import sqlalchemy as sa
from alembic import op

from app.infrastructure.database.migration import safe

revision = "bench"
down_revision = "{initial}"
branch_labels = None
depends_on = None


def upgrade() -> None:
{upgrade}


def downgrade() -> None:
{downgrade}
'''


def slug(name: str) -> str:
    """The operation's name as it appears in row keys and on the command line (``add-an-index``)."""
    return name.replace(" ", "-").lower()


def revision(name: str, form: str, table: str) -> str:
    """The text of a revision applying operation ``name`` in ``form`` (plain or safe) to ``table``."""
    plain, safe, undo = OPERATIONS[name]
    body = (plain if form == "plain" else safe).replace("{table}", table)
    return REVISION.format(
        form=form,
        name=name,
        table=table,
        initial=INITIAL,
        upgrade=_indented(body),
        downgrade=_indented(undo.replace("{table}", table)),
    )


def _indented(code: str) -> str:
    return "\n".join("    " + line for line in code.splitlines())
