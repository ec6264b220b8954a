"""Settings: the one place where the database URL is read and normalised.

``DATABASE_URL`` comes from the environment or a ``.env`` file in the working directory. Without it the
application uses an embedded SQLite file, ``data/stockdata.db`` under the project root (the folder is created on
first use). Migrations use ``MIGRATION_DATABASE_URL`` when it is set (a direct connection, as Prisma's
``directUrl``, for deployments whose ``DATABASE_URL`` goes through a transaction pooler such as PgBouncer), else
``DATABASE_URL``; the application's own engine always uses ``DATABASE_URL``. URLs in the forms people paste are
accepted and rewritten to the async drivers the application uses:

=====================================================  ==========================================
given                                                  used
=====================================================  ==========================================
``postgres://…``, ``postgresql://…``,                  ``postgresql+asyncpg://…``
``postgresql+asyncpg://…``
``sqlite:///path``, ``sqlite+aiosqlite:///path``       ``sqlite+aiosqlite:///path``
=====================================================  ==========================================
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import parse_qsl, quote, quote_plus, unquote

from app import PROJECT_ROOT
from app.core.errors import ConfigurationError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "stockdata.db"
DEFAULT_SCRIPT_LOCATION = PROJECT_ROOT / "alembic"
DEFAULT_DATABASE_URL = f"sqlite+aiosqlite:///{DEFAULT_SQLITE_PATH}"

_ASYNC_DRIVERS = {
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
}

# SQLAlchemy's (and libpq's) reading of the user and password: the password ends at the FIRST "@". Any "@" after
# that one means a raw "@" in the password (or user name) spilled into the host, port, database or query.
_CREDENTIALS = re.compile(r"(?P<scheme>[\w+]+)://(?P<credentials>[^:/]*(?::[^@]*)?)@(?P<rest>.*)", re.DOTALL)


# SQLAlchemy's pattern for a URL (``sqlalchemy.engine.url._parse_url``): the split must be the same as the one the
# engine makes, and the read-only commands read the URL without importing SQLAlchemy.
_URL = re.compile(
    r"""
    (?P<drivername>[\w\+]+)://
    (?:(?P<username>[^:/]*)(?::(?P<password>[^@]*))?@)?
    (?:(?:\[(?P<ipv6host>[^/\?]+)\]|(?P<ipv4host>[^/:\?]+))?(?::(?P<port>[^/\?]*))?)?
    (?:/(?P<database>[^\?]*))?
    (?:\?(?P<query>.*))?
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class DatabaseURL:
    """A database URL in parts, as SQLAlchemy's ``make_url`` reads it and ``render_as_string`` writes it."""

    drivername: str
    username: str | None
    password: str | None
    host: str | None
    port: int | None
    database: str | None
    query: tuple[tuple[str, str], ...]
    """The options in the order written (a name may repeat)."""

    @property
    def backend(self) -> str:
        """``postgresql`` or ``sqlite`` (the scheme without its driver)."""
        return self.drivername.split("+", 1)[0]

    def render(self, *, hide_password: bool = True) -> str:
        """The URL as text, the password as ``***`` unless ``hide_password`` is false; options sorted by name."""
        text = f"{self.drivername}://"
        if self.username is not None:
            text += quote(self.username, safe=" +")
            if self.password is not None:
                text += ":" + ("***" if hide_password else quote(self.password, safe=" +"))
            text += "@"
        if self.host is not None:
            text += f"[{self.host}]" if ":" in self.host else self.host
        if self.port is not None:
            text += f":{self.port}"
        if self.database is not None:
            text += "/" + quote(self.database, safe=" +/")
        if self.query:
            options = sorted(self.query, key=lambda option: option[0])
            text += "?" + "&".join(f"{quote_plus(name)}={quote_plus(value)}" for name, value in options)
        return text


def parse_url(text: str) -> DatabaseURL:
    """``text`` split into its parts; ValueError when it is not a URL (or its port is not a number)."""
    match = _URL.match(text)
    if match is None:
        raise ValueError("not a database URL")
    parts = match.groupdict()
    username, password, database = (
        None if parts[name] is None else unquote(parts[name]) for name in ("username", "password", "database")
    )
    return DatabaseURL(
        drivername=parts["drivername"],
        username=username,
        password=password,
        host=parts["ipv4host"] or parts["ipv6host"],
        port=None if parts["port"] is None else int(parts["port"]),
        database=database,
        query=tuple(parse_qsl(parts["query"] or "")),
    )


def _spilled_credentials(text: str) -> re.Match[str] | None:
    """The match of ``text``'s credentials when another ``@`` follows them (a raw ``@`` in a password), else None."""
    match = _CREDENTIALS.fullmatch(text.strip())
    return match if match and "@" in match["rest"] else None


def mask_url(url: str | URL) -> str:
    """Render ``url`` with its password replaced by ``***``; safe for output and logs.

    When a raw ``@`` makes it unclear where the password ends, everything up to the last ``@`` is hidden.
    """
    text = url if isinstance(url, str) else url.render_as_string(hide_password=False)
    spilled = _spilled_credentials(text)
    if spilled:
        return f"{spilled['scheme']}://***@{spilled['rest'].rsplit('@', 1)[1]}"
    try:
        return parse_url(text.strip()).render(hide_password=True)
    except ValueError:
        return "<unparseable URL>"


def normalize_database_url(raw: str, *, source: str = "DATABASE_URL") -> str:
    """Return ``raw`` rewritten for the async driver of its database; raise ConfigurationError naming ``source``."""
    if _spilled_credentials(raw):
        # Taken as written, part of the password would become the host name: refuse rather than guess.
        raise ConfigurationError(
            f"{source} has more than one '@' ({mask_url(raw)}); write each '@' in the password or user name as %40 "
            "(and '%' as %25), e.g. postgresql://user:p%40ss@host/dbname"
        )
    try:
        url = parse_url(raw.strip())
    except ValueError:  # also a port that is not a number
        raise ConfigurationError(
            f"{source} is not a valid database URL ({mask_url(raw)}); expected e.g. "
            "postgresql://user:password@host:5432/dbname or sqlite:///path/to/file.db"
        ) from None
    driver = _ASYNC_DRIVERS.get(url.drivername)
    if driver is None:
        raise ConfigurationError(
            f"{source} uses the unsupported scheme {url.drivername!r} ({url.render()}); "
            "use postgresql://… or sqlite:///…"
        )
    if driver.startswith("sqlite") and url.database in (None, ""):
        raise ConfigurationError(f"{source} names no SQLite file ({url.render()}); use sqlite:///path/to/file.db")
    if driver.startswith("postgresql") and not url.database:
        raise ConfigurationError(f"{source} names no database ({url.render()}); add /dbname after the host")
    if url.port is not None and not 0 < url.port < 65536:
        raise ConfigurationError(f"{source} has the port {url.port}, outside 1-65535 ({url.render()})")
    return replace(url, drivername=driver).render(hide_password=False)


_TRUE = {"1", "on", "t", "true", "y", "yes"}
_FALSE = {"0", "off", "f", "false", "n", "no"}
_POOLERS = ("none", "session", "transaction")


def _boolean(name: str, value: object) -> bool:
    """``value`` as a boolean, spelled as pydantic accepts it (any case, no surrounding spaces)."""
    if isinstance(value, bool):
        return value
    text = str(value).lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise ConfigurationError(f"{name.upper()}: {value!r} is not a boolean; use true or false (or 1/0, yes/no, on/off)")


def _seconds(name: str, value: object) -> float:
    """``value`` as a non-negative number of seconds."""
    try:
        number = float(str(value))
    except ValueError:
        number = -1.0
    if not number >= 0:  # also refuses NaN
        raise ConfigurationError(f"{name.upper()}: {value!r} is not a number of seconds; use 0 or more, e.g. 2.5")
    return number


def _count(name: str, value: object) -> int:
    """``value`` as a non-negative whole number."""
    text = str(value).strip()
    if isinstance(value, bool) or not (text.isascii() and text.isdigit()):
        raise ConfigurationError(f"{name.upper()}: {value!r} is not a count; use a whole number, 0 or more")
    return int(text)


def _pooler(name: str, value: object) -> str:
    """``value`` as one of the pooler modes, spelled exactly."""
    if value not in _POOLERS:
        raise ConfigurationError(f"{name.upper()}: {value!r} is not a pooler mode; use none, session or transaction")
    return str(value)


def _migration_url(name: str, value: object) -> str | None:
    """``value`` normalised as a database URL; None when it is empty (migrations then use ``DATABASE_URL``)."""
    if value is None or str(value).strip() == "":
        return None
    return normalize_database_url(str(value), source=name.upper())


_READERS: dict[str, Callable[[str, object], object]] = {
    "database_url": lambda name, value: normalize_database_url(str(value)),
    "database_echo": _boolean,
    "database_pooler": _pooler,
    "migration_database_url": _migration_url,
    "migration_script_location": lambda name, value: Path(str(value)),
    "migration_lock_timeout": _seconds,
    "migration_ddl_lock_timeout": _seconds,
    "migration_statement_timeout": _seconds,
    "migration_ddl_lock_retries": _count,
    "migration_ddl_lock_retry_pause": _seconds,
    "migration_safe_forms": _boolean,
}
FIELD_NAMES = tuple(_READERS)
"""The settings' names; each is read from the environment variable of the same name in capitals."""


def _read_env_file(path: str | Path) -> dict[str, str]:
    """The keys with a value in the utf-8 ``.env`` file at ``path`` (python-dotenv's syntax); empty without one.

    python-dotenv is imported only when the file exists: a command run without one imports nothing for it.
    """
    file = Path(path).expanduser()
    if not file.is_file():
        return {}
    from dotenv import dotenv_values

    try:
        values = dotenv_values(file, encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigurationError(f"{path} is not utf-8 (byte {exc.start}); save it as utf-8") from None
    return {key: value for key, value in values.items() if value is not None}


class Settings:
    """Application settings: keyword arguments, else the environment, else ``.env``, else the defaults.

    Names are matched without regard to case; a malformed value raises ConfigurationError naming its variable.
    """

    database_url: str = DEFAULT_DATABASE_URL
    database_echo: bool = False
    database_pooler: Literal["none", "session", "transaction"] = "none"
    """What ``DATABASE_URL`` goes through: ``transaction`` (PgBouncer's ``pool_mode = transaction``) makes the
    application's engine give up asyncpg's prepared-statement caches, which such a pooler cannot keep."""
    migration_database_url: str | None = None
    """A direct connection for migrations when ``DATABASE_URL`` goes through a pooler; unset: ``DATABASE_URL``."""
    migration_script_location: Path = DEFAULT_SCRIPT_LOCATION
    """The folder holding ``env.py`` and ``versions/``; tests point it at throwaway copies."""
    migration_lock_timeout: float = 300.0
    """Seconds ``upgrade``/``downgrade``/``stamp`` wait for another migrator's lock before giving up (0: no wait)."""
    migration_ddl_lock_timeout: float = 5.0
    """PostgreSQL ``lock_timeout`` (SQLite: busy timeout) of migration statements, in seconds (0: wait forever)."""
    migration_statement_timeout: float = 0.0
    """PostgreSQL ``statement_timeout`` of migration statements, in seconds (0: none)."""
    migration_ddl_lock_retries: int = 3
    """How many times a revision that hit the DDL lock timeout is run again."""
    migration_ddl_lock_retry_pause: float = 5.0
    """Seconds to wait before each of those retries."""
    migration_safe_forms: bool = True
    """Whether autogenerate writes the safe forms for big tables (``safe.create_index`` …) on existing tables."""

    fields_set: frozenset[str]
    """The names given by a keyword argument, the environment or ``.env`` (the others keep their defaults)."""

    def __init__(self, *, _env_file: str | Path | None = ".env", **given: object) -> None:
        unknown = set(given) - set(_READERS)
        if unknown:
            raise TypeError(f"Settings() got unknown settings: {', '.join(sorted(unknown))}")
        file = {} if _env_file is None else _read_env_file(_env_file)
        found: dict[str, object] = {key.lower(): value for key, value in file.items()}
        found |= {key.lower(): value for key, value in os.environ.items()}  # the environment wins over .env
        found |= given
        for name, read in _READERS.items():
            if name in found:
                setattr(self, name, read(name, found[name]))
        self.fields_set = frozenset(found) & set(_READERS)

    @property
    def migration_url(self) -> str:
        """The URL migrations use: ``MIGRATION_DATABASE_URL``, else ``DATABASE_URL``."""
        return self.migration_database_url or self.database_url


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings, read once; raise ConfigurationError for a bad value."""
    return Settings()


def __getattr__(name: str) -> Settings:
    # ``from app.core.config import settings`` (as the plan's env.py does) reads the settings lazily, so that
    # importing this module never fails and a command given an explicit URL never needs DATABASE_URL.
    if name == "settings":
        return get_settings()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
