"""Settings accept the URL forms people paste and reject the rest with a clear, password-free message."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from app.core.config import DEFAULT_DATABASE_URL, Settings, get_settings, mask_url, normalize_database_url
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
