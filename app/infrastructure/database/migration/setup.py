"""Where the migration scripts live, which database a call migrates, and the Alembic ``Config`` built in one place."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData

from app import PROJECT_ROOT
from app.core.config import DEFAULT_SCRIPT_LOCATION, get_settings, normalize_database_url
from app.infrastructure.database.migration.errors import MigrationSetupError

ALEMBIC_INI = PROJECT_ROOT / "alembic.ini"
SCRIPT_LOCATION = DEFAULT_SCRIPT_LOCATION


def build_config(*, database_url: str, script_location: Path | None = None) -> Config:
    """Return an Alembic ``Config`` for ``database_url``, found from the package's location, not the cwd.

    The scripts folder is ``script_location`` if given, else ``settings.migration_script_location``.

    The URL travels in ``config.attributes`` (never through configparser, which chokes on ``%`` in passwords),
    and env.py leaves the host application's logging alone.
    """
    scripts = script_location or get_settings().migration_script_location
    if not ALEMBIC_INI.is_file():
        raise MigrationSetupError(f"alembic.ini not found at {ALEMBIC_INI}; run stockdata from a full checkout")
    if not (scripts / "env.py").is_file():
        raise MigrationSetupError(f"migration scripts not found: {scripts}/env.py is missing; restore the folder")
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(scripts))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logging"] = False
    return config


def resolve_url(database_url: str | None) -> str:
    """The URL an API call uses: ``database_url`` (``--database-url``) normalised, else ``settings.migration_url``."""
    if database_url is None:
        return get_settings().migration_url
    return normalize_database_url(database_url, source="--database-url")


def config_for(database_url: str | None, script_location: Path | None = None) -> Config:
    """:func:`build_config` for an API call's ``database_url`` override (see :func:`resolve_url`)."""
    return build_config(database_url=resolve_url(database_url), script_location=script_location)


def load_scripts(config: Config) -> ScriptDirectory:
    """Return the revision scripts named by ``config``, read once per ``config`` (see :mod:`.run.runner`)."""
    scripts: ScriptDirectory | None = config.attributes.get("scripts")
    if scripts is None:
        scripts = config.attributes["scripts"] = ScriptDirectory.from_config(config)
    return scripts


def target_metadata() -> MetaData:
    """The application's models, which autogenerate and ``check`` compare the database with."""
    from app.infrastructure.database import models  # noqa: F401  (fills Base.metadata)
    from app.infrastructure.database.connection import Base

    return Base.metadata
