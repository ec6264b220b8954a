"""Settings accept the URL forms people paste and reject the rest with a clear, password-free message."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from app.core import config
from app.core.config import (
    DEFAULT_DATABASE_URL,
    FIELD_NAMES,
    Settings,
    get_settings,
    mask_url,
    normalize_database_url,
)
from app.core.errors import ConfigurationError


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:pw@db:5432/app", "postgresql+asyncpg://u:pw@db:5432/app"),
        ("postgresql://u:pw@db/app", "postgresql+asyncpg://u:pw@db/app"),
        ("postgresql+asyncpg://u@db/app", "postgresql+asyncpg://u@db/app"),
        ("sqlite:///relative.db", "sqlite+aiosqlite:///relative.db"),
        ("sqlite:////abs/path.db", "sqlite+aiosqlite:////abs/path.db"),
        ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("postgresql://u:p%25ss@db/app", "postgresql+asyncpg://u:p%25ss@db/app"),
    ],
)
def test_accepted_forms_are_rewritten_for_the_async_drivers(given: str, expected: str) -> None:
    assert normalize_database_url(given) == expected


@pytest.mark.parametrize(
    ("given", "fragment"),
    [
        ("mysql://root:s3cret@db/app", "unsupported scheme 'mysql'"),
        ("not a url", "is not a valid database URL"),
        ("postgresql://u:s3cret@db", "names no database"),
        ("sqlite://", "names no SQLite file"),
    ],
)
def test_bad_urls_name_the_variable_and_hide_the_password(given: str, fragment: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        normalize_database_url(given)

    assert fragment in str(caught.value)
    assert str(caught.value).startswith("DATABASE_URL")
    assert "s3cret" not in str(caught.value)


def test_default_is_an_embedded_sqlite_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)

    assert Settings(_env_file=None).database_url == DEFAULT_DATABASE_URL  # type: ignore[call-arg]
    assert DEFAULT_DATABASE_URL.startswith("sqlite+aiosqlite:///")
    assert DEFAULT_DATABASE_URL.endswith("data/stockdata.db")


def test_environment_url_is_normalised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")

    assert Settings().database_url == "postgresql+asyncpg://u@h/db"


def test_get_settings_turns_a_bad_value_into_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_ECHO", "perhaps")
    get_settings.cache_clear()
    try:
        with pytest.raises(ConfigurationError, match="DATABASE_ECHO"):
            get_settings()
    finally:
        get_settings.cache_clear()


def test_mask_url_hides_passwords() -> None:
    assert mask_url("postgresql://u:s3cret@h/db") == "postgresql://u:***@h/db"
    assert mask_url("::::") == "<unparseable URL>"


@pytest.mark.parametrize(
    "given",
    [
        "postgresql://u:ab@cdSECRET@host/db",  # the rest of the password would become the host name
        "postgresql://u:ab@cdSECRET@host:5432/db",
        "postgresql://u:ab@cd:SECRET@host:5432/db",  # ... or a port that is not a number
        "postgresql://u:ab@cd/SECRET@host/db",  # ... or the database name
        "postgresql://u:ab@cd?SECRET@host/db",  # ... or the query
        "postgresql://u@x:ab@cdSECRET@host/db",
    ],
)
def test_a_raw_at_sign_in_the_password_is_refused_with_all_of_it_hidden(given: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        normalize_database_url(given)

    message = str(caught.value)
    assert message.startswith("DATABASE_URL has more than one '@' (postgresql://***@host")
    assert "write each '@' in the password or user name as %40" in message
    assert not any(piece in message for piece in ("ab", "cd", "SECRET")), message
    assert mask_url(given).startswith("postgresql://***@host")


def test_mask_url_hides_a_spilled_password_in_a_parsed_url_too() -> None:
    parsed = make_url("postgresql+asyncpg://u:ab@cdSECRET@host/db")  # SQLAlchemy reads host "cdSECRET@host"

    assert mask_url(parsed) == "postgresql+asyncpg://***@host/db"


@pytest.mark.parametrize(
    ("given", "masked"),
    [
        ("postgresql://u:p%40ss@host/db", "postgresql://u:***@host/db"),
        ("postgresql://u%40x@host/db", "postgresql://u%40x@host/db"),  # one '@': user names may hold one
        ("postgresql://u@x@host/db", "postgresql://u%40x@host/db"),
        ("sqlite:////tmp/a@b@c.db", "sqlite:////tmp/a%40b%40c.db"),  # no credentials: '@' is part of the path
    ],
)
def test_urls_whose_credentials_end_at_their_last_at_sign_are_accepted(given: str, masked: str) -> None:
    normalize_database_url(given)

    assert mask_url(given) == masked


def test_migrations_fall_back_to_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://app@pooler:6432/db")
    monkeypatch.delenv("MIGRATION_DATABASE_URL", raising=False)

    assert Settings().migration_url == "postgresql+asyncpg://app@pooler:6432/db"


def test_migration_database_url_is_what_migrations_use_and_the_app_does_not(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://app@pooler:6432/db")
    monkeypatch.setenv("MIGRATION_DATABASE_URL", "postgres://owner@primary:5432/db")

    settings = Settings()

    assert settings.migration_url == "postgresql+asyncpg://owner@primary:5432/db"
    assert settings.database_url == "postgresql+asyncpg://app@pooler:6432/db"


def test_a_bad_migration_database_url_is_named_and_its_password_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIGRATION_DATABASE_URL", "mysql://root:s3cret@db/app")
    get_settings.cache_clear()

    with pytest.raises(ConfigurationError) as caught:
        get_settings()
    get_settings.cache_clear()

    assert "MIGRATION_DATABASE_URL uses the unsupported scheme 'mysql'" in str(caught.value)
    assert "s3cret" not in str(caught.value)


def test_database_pooler_accepts_only_the_known_modes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_POOLER", "transaction")
    assert Settings().database_pooler == "transaction"

    monkeypatch.setenv("DATABASE_POOLER", "statement")
    get_settings.cache_clear()
    with pytest.raises(ConfigurationError, match="DATABASE_POOLER"):
        get_settings()
    get_settings.cache_clear()


@pytest.fixture
def clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A working directory without ``.env`` and an environment without any setting; returns the directory."""
    for name in FIELD_NAMES:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_dotenv_in_the_working_directory_is_read_and_the_environment_wins(
    clean: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (clean / ".env").write_text(
        "# production\nexport DATABASE_URL='postgres://u@h/db'  # the pooler\n\nDATABASE_ECHO=yes\n"
        'MIGRATION_LOCK_TIMEOUT="7.5"\nMIGRATION_DDL_LOCK_RETRIES = 4 # comment\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("MIGRATION_DDL_LOCK_RETRIES", "9")

    settings = Settings()

    assert settings.database_url == "postgresql+asyncpg://u@h/db"
    assert settings.database_echo is True
    assert settings.migration_lock_timeout == 7.5
    assert settings.migration_ddl_lock_retries == 9
    assert settings.migration_safe_forms is True  # the default
    assert settings.fields_set == {
        "database_url",
        "database_echo",
        "migration_lock_timeout",
        "migration_ddl_lock_retries",
    }
    assert Settings(_env_file=None).database_url == DEFAULT_DATABASE_URL


def test_names_are_matched_without_regard_to_case(clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (clean / ".env").write_text("Migration_Safe_Forms=off\n", encoding="utf-8")
    monkeypatch.setenv("database_pooler", "session")

    settings = Settings()

    assert settings.database_pooler == "session"
    assert settings.migration_safe_forms is False


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        *((word, True) for word in ("true", "TRUE", "1", "yes", "On", "t", "y")),
        *((word, False) for word in ("false", "False", "0", "no", "OFF", "f", "n")),
    ],
)
def test_booleans_are_read_as_pydantic_read_them(
    given: str, expected: bool, clean: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_ECHO", given)

    assert Settings().database_echo is expected


@pytest.mark.parametrize(
    ("name", "given", "accepted"),
    [
        ("DATABASE_ECHO", "perhaps", "use true or false (or 1/0, yes/no, on/off)"),
        ("DATABASE_ECHO", "", "use true or false"),
        ("MIGRATION_SAFE_FORMS", "2", "use true or false"),
        ("MIGRATION_LOCK_TIMEOUT", "-1", "use 0 or more"),
        ("MIGRATION_DDL_LOCK_TIMEOUT", "soon", "use 0 or more"),
        ("MIGRATION_STATEMENT_TIMEOUT", "nan", "use 0 or more"),
        ("MIGRATION_DDL_LOCK_RETRIES", "2.5", "use a whole number, 0 or more"),
        ("MIGRATION_DDL_LOCK_RETRIES", "-3", "use a whole number, 0 or more"),
        ("DATABASE_POOLER", "Transaction", "use none, session or transaction"),
    ],
)
def test_a_bad_value_names_its_variable_and_what_is_accepted(
    name: str, given: str, accepted: str, clean: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(name, given)

    with pytest.raises(ConfigurationError) as caught:
        Settings()

    assert str(caught.value).startswith(f"{name}: {given!r} is not a")
    assert accepted in str(caught.value)


def test_numbers_and_keyword_arguments(clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIGRATION_STATEMENT_TIMEOUT", " 2 ")
    monkeypatch.setenv("MIGRATION_DDL_LOCK_RETRIES", "0")
    monkeypatch.setenv("DATABASE_ECHO", "true")

    settings = Settings(database_echo=False, migration_script_location="elsewhere", migration_database_url="")

    assert settings.migration_statement_timeout == 2.0
    assert settings.migration_ddl_lock_retries == 0
    assert settings.database_echo is False  # keyword arguments win over the environment
    assert settings.migration_script_location == Path("elsewhere")
    assert settings.migration_database_url is None  # empty: migrations use DATABASE_URL
    with pytest.raises(TypeError, match="database_urll"):
        Settings(database_urll="sqlite:///x.db")


def test_get_settings_reads_once_until_cleared(clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    get_settings.cache_clear()
    try:
        monkeypatch.setenv("DATABASE_URL", "sqlite:///one.db")
        first = get_settings()
        monkeypatch.setenv("DATABASE_URL", "sqlite:///two.db")

        assert get_settings() is first
        assert config.settings is first  # the lazy module attribute
        get_settings.cache_clear()
        assert get_settings().database_url == "sqlite+aiosqlite:///two.db"
    finally:
        get_settings.cache_clear()


def test_a_dotenv_key_without_a_value_is_ignored_and_japanese_is_kept(clean: Path) -> None:
    (clean / ".env").write_text("DATABASE_URL=sqlite:///株価.db\nDATABASE_ECHO\n", encoding="utf-8")

    settings = Settings()

    assert make_url(settings.database_url).database == "株価.db"
    assert settings.fields_set == {"database_url"}


def test_a_dotenv_that_is_not_utf8_is_a_configuration_error(clean: Path) -> None:
    (clean / ".env").write_bytes("DATABASE_URL=sqlite:///株価.db\n".encode("shift_jis"))

    with pytest.raises(ConfigurationError, match=r"\.env is not utf-8 \(byte 23\); save it as utf-8"):
        Settings()


@pytest.mark.parametrize(
    "given",
    [
        "postgresql+asyncpg://u:p%40ss%25@db.example:6432/app?ssl=require&application_name=x&ssl=prefer",
        "postgresql://u%3Ax:@[::1]:5432/d%2Fb",
        "postgresql://h/db?options=-c%20search_path%3Dfoo",
        "postgres://u@h:/db",
        "postgresql://u:pw@h:port/db",
        "sqlite+aiosqlite:////tmp/a b/c@d.db?mode=ro&uri=true",
        "sqlite:///relative/x.db",
        "sqlite://",
        "sqlite:///:memory:",
        "not a url",
        "mysql://root:s3cret@db/app?",
    ],
)
def test_urls_are_split_and_written_as_sqlalchemy_does(given: str) -> None:
    # The read-only commands parse the URL without importing SQLAlchemy; the engine must see the same parts.
    try:
        expected = make_url(given)
    except Exception:
        with pytest.raises(ValueError):  # noqa: PT011  (the message is int()'s or "not a database URL")
            config.parse_url(given)
        return
    parsed = config.parse_url(given)

    assert parsed.render(hide_password=False) == expected.render_as_string(hide_password=False)
    assert parsed.render() == expected.render_as_string(hide_password=True)
    assert (parsed.backend, parsed.username, parsed.password) == (
        expected.get_backend_name(),
        expected.username,
        expected.password,
    )
    assert (parsed.host, parsed.port, parsed.database) == (expected.host, expected.port, expected.database)
