"""Autogenerate fidelity: each kind of model change is written as a revision that imports, applies, leaves ``check``
clean (Alembic's and ours) and survives down → up, on SQLite and PostgreSQL, with rows in the tables.

The models are changed on a modified copy of the metadata (``config.attributes["target_metadata"]``), never by
editing source files.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.util import load_python_file
from sqlalchemy import MetaData
from sqlalchemy.dialects import postgresql

from app.infrastructure.database import models  # noqa: F401
from app.infrastructure.database.connection import Base
from app.infrastructure.database.migration import upgrade_database
from app.infrastructure.database.migration.author.renames import apply_renames
from app.infrastructure.database.migration.inspect.drift import detect_drift
from app.infrastructure.database.migration.setup import build_config, load_scripts
from harness.queries import execute, on_connection, rows, scalar

STOCK_ROW = "INSERT INTO stocks (ticker_symbol, company_name, market) VALUES ('7203', 'トヨタ自動車', 'プライム')"
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def models_plus(*tables: Callable[[MetaData], object]) -> MetaData:
    """The models, with the tables that each callable adds to the copy."""
    metadata = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        table.to_metadata(metadata)
    for add in tables:
        add(metadata)
    return metadata


def step(database_url: str, scripts: Path, metadata: MetaData, *, hook: Any = None, loses: str | None = None) -> str:
    """Autogenerate against ``metadata``, import the file, upgrade, check both ways, down → up; return the file's text.

    ``loses`` names the operation whose data loss the reviewer accepts: its line gets the pre-flight's marker. No
    warning may be raised on the way (``revision`` and ``upgrade`` print them).
    """
    config = build_config(database_url=database_url, script_location=scripts)
    config.attributes["target_metadata"] = metadata
    if hook is not None:
        config.attributes["process_revision_directives"] = hook
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        written = command.revision(config, message="step", autogenerate=True)
        assert written is not None
        assert not isinstance(written, list)
        path = Path(written.path)
        if loses is not None:
            marked = [
                f"{line}  # migrate: destroys-data reviewed" if loses in line else line
                for line in path.read_text().splitlines()
            ]
            path.write_text("\n".join(marked) + "\n")
        load_python_file(str(path.parent), path.name)  # the file imports: every name it uses is defined
        command.upgrade(config, "head")
        assert drift(database_url, scripts, metadata) == []
        command.check(config)
        command.downgrade(config, "-1")
        command.upgrade(config, "head")
        command.check(config)
    assert [str(warning.message) for warning in caught] == []
    return path.read_text()


def drift(database_url: str, scripts: Path, metadata: MetaData) -> list[str]:
    """What ``stockdata migrate check`` reports for ``metadata``."""
    script = load_scripts(build_config(database_url=database_url, script_location=scripts))
    found = on_connection(database_url, lambda connection: detect_drift(connection, metadata, script))
    return [difference.description for difference in found]


@pytest.fixture
def at_head(database_url: str, scripts: Path) -> str:
    """``database_url`` migrated to the project's head, with a Japanese row in ``stocks``."""
    asyncio.run(upgrade_database(database_url=database_url, script_location=scripts))
    execute(database_url, STOCK_ROW)
    return database_url


def events(metadata: MetaData) -> None:
    sa.Table(
        "events",
        metadata,
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("payload", JSON, nullable=False, comment="イベントの中身"),
        sa.Column("status", sa.String(10), nullable=False, server_default="new"),
        sa.Index("ix_events_payload", "payload", postgresql_using="gin"),
        sa.Index("ix_events_open", "status", postgresql_where=sa.text("status = 'new'")),
        comment="イベント",
    )


def test_a_json_variant_is_written_as_code_that_imports(at_head: str, scripts: Path) -> None:
    text = step(at_head, scripts, models_plus(events))
    execute(at_head, """INSERT INTO events (id, payload) VALUES (1, '{"銘柄": "7203", "n": 12345678901}')""")

    assert "postgresql.JSONB(astext_type=sa.Text())" in text
    assert "from sqlalchemy.dialects import postgresql" in text
    assert "12345678901" in str(scalar(at_head, "SELECT payload FROM events"))
    assert scalar(at_head, "SELECT company_name FROM stocks") == "トヨタ自動車"


def test_gin_and_partial_indexes_round_trip(at_head: str, scripts: Path) -> None:
    text = step(at_head, scripts, models_plus(events))

    assert 'postgresql_using="gin"' in text
    assert "postgresql_where=sa.text(\"status = 'new'\")" in text
    if at_head.startswith("postgresql"):
        definition = scalar(at_head, "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_events_payload'")
        assert "USING gin" in definition


def checked(values: tuple[str, ...], *, with_check: bool = True) -> Callable[[MetaData], object]:
    def add(metadata: MetaData) -> None:
        listed = ", ".join(f"'{value}'" for value in values)
        checks = [sa.CheckConstraint(f"status IN ({listed})", name="status_known")] if with_check else []
        sa.Table(
            "orders",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("status", sa.String(10), nullable=False),
            sa.Column("quantity", sa.BigInteger, nullable=False),
            sa.CheckConstraint("quantity >= 0", name="quantity_positive"),
            *checks,
        )

    return add


def test_check_constraints_are_generated_compared_changed_and_dropped(at_head: str, scripts: Path) -> None:
    created = step(at_head, scripts, models_plus(checked(("new", "paid"))))
    execute(at_head, "INSERT INTO orders (id, status, quantity) VALUES (1, 'paid', 9007199254740993)")
    with pytest.raises(sa.exc.IntegrityError):
        execute(at_head, "INSERT INTO orders (id, status, quantity) VALUES (2, '発送済み', 1)")
    wider = models_plus(checked(("new", "paid", "shipped")))
    seen = drift(at_head, scripts, wider)
    changed = step(at_head, scripts, wider)
    execute(at_head, "INSERT INTO orders (id, status, quantity) VALUES (2, 'shipped', 1)")
    dropped = step(at_head, scripts, models_plus(checked(("new",), with_check=False)))

    assert "sa.CheckConstraint(\"status IN ('new', 'paid')\", name=op.f(\"ck_orders_status_known\"))" in created
    # The dropped side is the database's SQL (PostgreSQL spells IN as = ANY (ARRAY[...])), the added the model's.
    assert len(seen) == 2
    assert seen[0].startswith("drop check constraint ck_orders_status_known on orders (status")
    assert seen[1] == "add check constraint ck_orders_status_known on orders (status IN ('new', 'paid', 'shipped'))"
    assert 'drop_constraint(batch_op.f("ck_orders_status_known"), type_="check")' in changed.split("def downgrade")[0]
    assert "'new', 'paid', 'shipped'" in changed
    assert 'drop_constraint(batch_op.f("ck_orders_status_known"), type_="check")' in dropped.split("def downgrade")[0]
    assert scalar(at_head, "SELECT quantity FROM orders WHERE id = 1") == 9007199254740993


def test_a_unique_constraint_equal_to_the_primary_key_makes_no_difference(at_head: str, scripts: Path) -> None:
    def pairs(metadata: MetaData) -> None:
        sa.Table(
            "pairs",
            metadata,
            sa.Column("a", sa.Integer, primary_key=True),
            sa.Column("b", sa.String(5), primary_key=True),
            sa.UniqueConstraint("a", "b"),
        )

    text = step(at_head, scripts, models_plus(pairs))
    execute(at_head, "INSERT INTO pairs (a, b) VALUES (1, '株')")

    assert "UniqueConstraint" not in text
    with pytest.raises(sa.exc.IntegrityError):  # the primary key still makes the pair unique
        execute(at_head, "INSERT INTO pairs (a, b) VALUES (1, '株')")


def test_composite_keys_defaults_comments_and_widening_round_trip(at_head: str, scripts: Path) -> None:
    def holdings(metadata: MetaData) -> None:
        sa.Table(
            "holdings",
            metadata,
            sa.Column("owner", sa.String(20), primary_key=True, comment="保有者"),
            sa.Column("code", sa.String(10), primary_key=True),
            sa.Column("currency", sa.String(3), nullable=False, server_default="JPY", comment="通貨"),
            sa.Column("created_at", sa.DateTime, server_default=sa.func.current_timestamp()),
            comment="保有銘柄",
        )

    text = step(at_head, scripts, models_plus(holdings))
    execute(at_head, "INSERT INTO holdings (owner, code) VALUES ('山田', '7203')")
    widened = models_plus(holdings)
    widened.tables["prices"].c.volume.type = sa.BigInteger()
    widened.tables["prices"].c.id.type = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    wider = step(at_head, scripts, widened)
    execute(
        at_head,
        "INSERT INTO prices (id, ticker_symbol, timestamp, open, high, low, close, volume) "
        "VALUES (1, '7203', '2024-01-04 09:00:00', 1, 1, 1, 1, 9007199254740993)",
    )

    assert 'sa.PrimaryKeyConstraint("owner", "code", name=op.f("holdings_pkey"))' in text
    assert 'comment="保有銘柄"' in text
    assert "autoincrement" not in wider  # only MySQL reads it; PostgreSQL and SQLite warned about it
    assert rows(at_head, "SELECT owner, currency FROM holdings") == [("山田", "JPY")]
    assert scalar(at_head, "SELECT volume FROM prices") == 9007199254740993


def test_an_accepted_table_rename_renames_its_constraints_too(at_head: str, scripts: Path) -> None:
    metadata = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        if table.name != "stocks":
            table.to_metadata(metadata)
    stocks = Base.metadata.tables["stocks"]
    sa.Table("equities", metadata, *[column._copy() for column in stocks.columns], sa.UniqueConstraint("ticker_symbol"))

    def rename(_context: Any, _revision: Any, directives: list[Any]) -> None:
        apply_renames(directives[0], lambda _hint: True)

    text = step(at_head, scripts, metadata, hook=rename)
    names = on_connection(at_head, lambda connection: sa.inspect(connection).get_pk_constraint("equities")["name"])

    assert 'op.rename_table("stocks", "equities")' in text
    assert "RENAME CONSTRAINT stocks_pkey TO equities_pkey" in text
    assert names == "equities_pkey"
    assert scalar(at_head, "SELECT company_name FROM equities") == "トヨタ自動車"


def graded(*values: str) -> Callable[[MetaData], object]:
    def add(metadata: MetaData) -> None:
        if values:
            metadata.tables["stocks"].append_column(sa.Column("grade", sa.Enum(*values, name="grade")))

    return add


def test_enum_types_are_created_extended_and_dropped_with_their_columns(at_head: str, scripts: Path) -> None:
    added = step(at_head, scripts, models_plus(graded("a", "b")))
    execute(at_head, "UPDATE stocks SET grade = 'b'")
    extended = step(at_head, scripts, models_plus(graded("a", "b", "c")))
    execute(at_head, "UPDATE stocks SET grade = 'c'")
    dropped = step(at_head, scripts, models_plus(graded()), loses='drop_column("grade")')

    assert 'sa.Enum("a", "b", name="grade").create(op.get_bind(), checkfirst=True)' in added
    assert 'sa.Enum("a", "b", name="grade").drop(op.get_bind(), checkfirst=True)' in added.split("def downgrade")[1]
    if at_head.startswith("postgresql"):  # SQLite reflects an Enum as VARCHAR: it cannot know the type was one
        assert (
            'sa.Enum("a", "b", "c", name="grade").drop(op.get_bind(), checkfirst=True)' in dropped.split("def down")[0]
        )
        assert "ALTER TYPE grade ADD VALUE IF NOT EXISTS 'c'" in extended
        assert scalar(at_head, "SELECT count(*) FROM pg_type WHERE typname = 'grade'") == 0
    assert scalar(at_head, "SELECT company_name FROM stocks") == "トヨタ自動車"
