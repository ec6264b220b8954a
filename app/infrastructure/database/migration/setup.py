"""Where the migration scripts live, which database a call migrates, and the Alembic ``Config`` built in one place.

Alembic is imported when a ``Config`` is built, and SQLAlchemy when the models are, not with this module: the
read-only commands that read the revision files themselves (:mod:`.inspect.revision_files`) never import them.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from app import PROJECT_ROOT
from app.core.config import DEFAULT_SCRIPT_LOCATION, get_settings, normalize_database_url, parse_url
from app.infrastructure.database.migration.errors import ConfigurationError, MigrationSetupError, RevisionFileError

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from sqlalchemy import MetaData

ALEMBIC_INI = PROJECT_ROOT / "alembic.ini"
SCRIPT_LOCATION = DEFAULT_SCRIPT_LOCATION
PLAIN_FORMS = "stockdata_plain_forms"
"""The ``MigrationContext`` option under which the safe forms act as the plain operations they stand for: the
pre-flight reads a revision that way, to see the narrowing or the new index behind ``safe.alter_column_type``."""


def build_config(*, database_url: str, script_location: Path | None = None) -> Config:
    """Return an Alembic ``Config`` for ``database_url``, found from the package's location, not the cwd.

    The scripts folder is ``script_location`` if given, else ``settings.migration_script_location``.

    The URL travels in ``config.attributes`` (never through configparser, which chokes on ``%`` in passwords),
    and env.py leaves the host application's logging alone.
    """
    from alembic.config import Config

    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(scripts_folder(script_location)))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logging"] = False
    return config


def scripts_folder(script_location: Path | None = None) -> Path:
    """The folder of the revision scripts: ``script_location`` if given, else ``settings.migration_script_location``.

    Raises MigrationSetupError when it has no env.py or alembic.ini is missing.
    """
    scripts = script_location or get_settings().migration_script_location
    if not ALEMBIC_INI.is_file():
        raise MigrationSetupError(f"alembic.ini not found at {ALEMBIC_INI}; run stockdata from a full checkout")
    if not (scripts / "env.py").is_file():
        raise MigrationSetupError(f"migration scripts not found: {scripts}/env.py is missing; restore the folder")
    return scripts


def resolve_url(database_url: str | None) -> str:
    """The URL an API call uses: ``database_url`` (``--database-url``) normalised, else ``settings.migration_url``."""
    if database_url is None:
        return persistent_url(get_settings().migration_url)
    return persistent_url(normalize_database_url(database_url, source="--database-url"))


def persistent_url(url: str) -> str:
    """``url``, unless it names an in-memory SQLite database (ConfigurationError).

    Such a database lives as long as one connection, and every migration command opens its own: an upgrade would
    report success on a database that is gone when it returns.
    """
    parsed = parse_url(url)
    in_memory = parsed.database == ":memory:" or ("mode", "memory") in parsed.query
    if parsed.backend == "sqlite" and in_memory:
        raise ConfigurationError(
            "the database URL names an in-memory SQLite database, which disappears with each command's connection, "
            "so there is nothing to migrate; use a file, e.g. sqlite:///data/stockdata.db"
        )
    return url


def config_for(database_url: str | None, script_location: Path | None = None) -> Config:
    """:func:`build_config` for an API call's ``database_url`` override (see :func:`resolve_url`)."""
    return build_config(database_url=resolve_url(database_url), script_location=script_location)


def load_scripts(config: Config) -> ScriptDirectory:
    """Return the revision scripts named by ``config``, read once per ``config`` (see :mod:`.run.runner`).

    Every revision file is imported here, so one that does not import raises RevisionFileError naming its line.
    """
    from alembic.script import ScriptDirectory

    scripts: ScriptDirectory | None = config.attributes.get("scripts")
    if scripts is None:
        scripts = read_revision_files(ScriptDirectory.from_config(config))
        config.attributes["scripts"] = scripts
    return scripts


def read_revision_files(scripts: ScriptDirectory) -> ScriptDirectory:
    """Import every revision file of ``scripts`` now (Alembic does it lazily); a broken one raises RevisionFileError."""
    try:
        scripts.get_heads()
    except Exception as exc:
        error = import_failure(exc, revision_folders(scripts))
        if error is None:
            raise
        raise error from exc
    return scripts


def revision_folders(scripts: ScriptDirectory) -> list[Path]:
    """The folders holding the revision files of ``scripts``."""
    if scripts.version_locations:
        return [Path(folder) for folder in scripts.version_locations]
    return [Path(scripts.dir, "versions")]


def import_failure(exc: BaseException, folders: Iterable[Path]) -> RevisionFileError | None:
    """The RevisionFileError for ``exc`` if importing a revision file under ``folders`` raised it, else ``None``."""
    roots = [folder.resolve() for folder in folders]
    # Only the files' top level runs on import: an exception passing through a function of theirs is not this.
    places = [
        (frame.filename, frame.lineno) for frame in traceback.extract_tb(exc.__traceback__) if frame.name == "<module>"
    ]
    if isinstance(exc, SyntaxError) and exc.filename:
        places.append((exc.filename, exc.lineno))
    inside = [(Path(name), line) for name, line in places if any(Path(name).resolve().is_relative_to(r) for r in roots)]
    if not inside:
        return None
    path, line = inside[-1]
    problem = exc.msg if isinstance(exc, SyntaxError) else str(exc)
    return RevisionFileError(
        f"revision file {path} does not import (line {line or 1}: {type(exc).__name__}: {problem}); fix the file, "
        "or move it out of the versions folder, and run the command again"
    )


def target_metadata() -> MetaData:
    """The application's models, which autogenerate and ``check`` compare the database with."""
    from app.infrastructure.database import models  # noqa: F401  (fills Base.metadata)
    from app.infrastructure.database.connection import Base

    return Base.metadata
