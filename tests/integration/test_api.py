"""The migration API from synchronous code and from inside a running event loop, leaving the host app alone."""

from __future__ import annotations

import asyncio
import logging
import logging.config
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config

from app.core.errors import ConfigurationError
from app.infrastructure.database.migration import (
    check_drift,
    create_revision,
    downgrade_database,
    get_current_revision,
    get_heads,
    get_status,
    plan_downgrade,
    render_sql,
    show_history,
    stamp,
    upgrade_database,
)
from app.infrastructure.database.migration.errors import (
    DatabaseUnreachableError,
    MigrationError,
    MultipleHeadsError,
    NothingToGenerateError,
    PendingMigrationsError,
    UnknownRevisionError,
)
from app.infrastructure.database.migration.setup import ALEMBIC_INI, SCRIPT_LOCATION
from harness.queries import execute
from tests.helpers import TABLES_AT_BASE, TABLES_AT_HEAD, reflect_schema
from tests.passwords import reveals_password, with_password
from tests.scripts_folder import add_branches, project_head

HEAD = project_head()
HISTORY = asyncio.run(show_history())


@pytest.fixture
def logging_restored() -> Iterator[None]:
    """Put back the logging configuration a test changes (``fileConfig`` replaces the root handlers)."""
    root = logging.getLogger()
    root_state = (list(root.handlers), root.level)
    loggers = {
        name: (logger.disabled, logger.level, list(logger.handlers), logger.propagate)
        for name, logger in logging.Logger.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    yield
    root.handlers[:], root.level = root_state
    for name, (disabled, level, handlers, propagate) in loggers.items():
        logger = logging.getLogger(name)
        logger.disabled, logger.level, logger.handlers[:], logger.propagate = disabled, level, handlers, propagate


def test_every_function_from_synchronous_code(database_url: str) -> None:
    up = asyncio.run(upgrade_database(database_url=database_url))
    current = asyncio.run(get_current_revision(database_url=database_url))
    status = asyncio.run(get_status(database_url=database_url))
    drift = asyncio.run(check_drift(database_url=database_url))
    plan = asyncio.run(plan_downgrade("base", database_url=database_url))
    down = asyncio.run(downgrade_database("base", database_url=database_url))
    after_down = asyncio.run(get_current_revision(database_url=database_url))
    stamped = asyncio.run(stamp("head", database_url=database_url))

    assert (up.command, up.from_revisions, up.to_revisions) == ("upgrade", (), (HEAD,))
    assert [step.revision for step in up.steps] == [info.revision for info in HISTORY]
    assert current == HEAD
    assert status.is_up_to_date
    assert [info.applied for info in status.revisions] == [True] * len(HISTORY)
    assert drift == []
    assert [info.revision for info in plan] == [info.revision for info in reversed(HISTORY)]
    assert (down.from_revisions, down.to_revisions) == ((HEAD,), ())
    assert after_down is None
    assert (stamped.to_revisions, stamped.steps) == ((HEAD,), ())
    assert set(reflect_schema(database_url)) == TABLES_AT_BASE


async def test_several_functions_inside_one_running_event_loop(database_url: str, scripts: Path) -> None:
    loop = asyncio.get_running_loop()

    before = await get_current_revision(database_url=database_url, script_location=scripts)
    up = await upgrade_database(database_url=database_url, script_location=scripts)
    status = await get_status(database_url=database_url, script_location=scripts)
    drift = await check_drift(database_url=database_url, script_location=scripts)
    written = await create_revision("hand written", False, database_url=database_url, script_location=scripts)
    heads = await get_heads(script_location=scripts)
    second = await upgrade_database(database_url=database_url, script_location=scripts)
    plan = await plan_downgrade(database_url=database_url, script_location=scripts)
    down = await downgrade_database(database_url=database_url, script_location=scripts)
    sql = await render_sql(f"{HEAD}:head", database_url=database_url, script_location=scripts)

    assert asyncio.get_running_loop() is loop
    assert before is None
    assert up.to_revisions == (HEAD,)
    assert status.is_up_to_date
    assert drift == []
    assert written.parent == scripts / "versions"
    (new,) = heads
    assert written.name.endswith(f"-{new}_hand_written.py")
    assert [step.revision for step in second.steps] == [new]
    assert [info.revision for info in plan] == [new]
    assert [step.revision for step in down.steps] == [new]
    assert f"-- Running upgrade {HEAD} -> {new}" in sql
    assert await get_current_revision(database_url=database_url, script_location=scripts) == HEAD


async def test_errors_are_typed_inside_a_running_event_loop(database_url: str, scripts: Path) -> None:
    with pytest.raises(UnknownRevisionError, match="unknown revision 'fedcba987654'") as unknown:
        await upgrade_database("fedcba987654", database_url=database_url, script_location=scripts)
    with pytest.raises(PendingMigrationsError, match="not at head") as pending:
        await create_revision("x", database_url=database_url, script_location=scripts)
    await upgrade_database(database_url=database_url, script_location=scripts)
    with pytest.raises(NothingToGenerateError, match="nothing to generate") as nothing:
        await create_revision("x", database_url=database_url, script_location=scripts)
    add_branches(scripts)
    with pytest.raises(MultipleHeadsError, match="several heads") as several:
        await upgrade_database(database_url=database_url, script_location=scripts)

    assert [error.value.exit_code for error in (unknown, pending, nothing, several)] == [5, 9, 11, 7]
    assert sorted(path.name for path in (scripts / "versions").glob("*.py")) == sorted(
        [*(path.name for path in (SCRIPT_LOCATION / "versions").glob("*.py")), "aaaa1111_test.py", "aaaa2222_test.py"]
    )
    assert await get_current_revision(database_url=database_url) == HEAD


def test_configuration_and_connection_errors_are_typed() -> None:
    with pytest.raises(ConfigurationError, match="unsupported scheme 'mysql'"):
        asyncio.run(get_status(database_url="mysql://u@h/db"))
    with pytest.raises(DatabaseUnreachableError, match=r"at 127\.0\.0\.1:1: ") as unreachable:
        asyncio.run(get_status(database_url="postgresql://u@127.0.0.1:1/db"))

    assert unreachable.value.exit_code == 4


def test_works_from_any_working_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sqlite_url: str) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    result = asyncio.run(upgrade_database(database_url=sqlite_url))

    assert result.to_revisions == (HEAD,)
    assert asyncio.run(get_heads()) == (HEAD,)
    assert list(elsewhere.iterdir()) == []


def test_encoded_password_works_and_never_reaches_logs_or_exceptions(
    password_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    url = with_password(password_url)
    failures: list[BaseException] = []

    asyncio.run(upgrade_database(database_url=url))
    asyncio.run(check_drift(database_url=url))
    execute(password_url, "UPDATE alembic_version SET version_num = 'fedcba987654'")
    for call in (
        get_status(database_url=url),
        get_status(database_url=with_password(password_url, port=1)),
        get_status(database_url=with_password(password_url, database="stockdata_no_such_database")),
        get_status(database_url=url.replace("postgresql://", "mysql://")),
    ):
        with pytest.raises((MigrationError, ConfigurationError)) as raised:
            asyncio.run(call)
        failures.append(raised.value)

    assert "fedcba987654" in str(failures[0])
    assert caplog.records, "DEBUG logging captured nothing: the check would be empty"
    assert not reveals_password(caplog.text)
    for failure in failures:
        chain: BaseException | None = failure
        while chain is not None:
            assert not reveals_password(f"{chain} {chain!r} {chain.args}"), type(chain)
            chain = chain.__cause__ or chain.__context__


def test_api_leaves_existing_loggers_enabled(sqlite_url: str, logging_restored: None) -> None:
    host = logging.getLogger("host.app")
    root_handlers = list(logging.getLogger().handlers)

    asyncio.run(upgrade_database(database_url=sqlite_url))

    assert not host.disabled
    assert logging.getLogger().handlers == root_handlers


def test_env_py_logging_set_up_keeps_existing_loggers_enabled(sqlite_url: str, logging_restored: None) -> None:
    host = logging.getLogger("host.app.before.alembic")
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.attributes["database_url"] = sqlite_url

    command.upgrade(config, "head")

    assert config.config_file_name == str(ALEMBIC_INI)
    assert logging.getLogger("alembic").level == logging.INFO, "env.py did not apply alembic.ini's logging"
    assert not host.disabled
    assert set(reflect_schema(sqlite_url)) == TABLES_AT_HEAD
    logging.config.fileConfig(ALEMBIC_INI)  # the stock call, for contrast: it silences the host's loggers
    assert host.disabled
