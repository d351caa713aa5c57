"""Bring the database schema up to date with the project's Alembic migrations.

The migrations folder belongs to the project (``database.migrations`` in config.yml, default
``migrations`` beside it); its env.py knows which tables exist. The Alembic config is built in
code from config.yml, so a project needs no alembic.ini.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from bot.config import Config
from bot.db import make_engine


class MigrationError(Exception):
    """The schema could not be brought up to date; the message says why in one line."""


def alembic_config(config: Config) -> AlembicConfig:
    """The Alembic config for ``config``'s migrations folder and database."""
    database = config.raw.get("database") or {}
    folder = config.root / str(database.get("migrations", "migrations"))
    if not (folder / "env.py").is_file():
        raise MigrationError(
            f"{folder}: migrations folder not found (no env.py); "
            f"set database.migrations in {config.path.name}"
        )
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(folder))
    # "%" is Alembic's interpolation character; a password may contain one.
    cfg.set_main_option("sqlalchemy.url", config.database_url.replace("%", "%%"))
    return cfg


def upgrade(config: Config) -> None:
    """Apply every migration the database has not had yet; a no-op when it is current."""
    cfg = alembic_config(config)
    try:
        command.upgrade(cfg, "head")
    except (CommandError, SQLAlchemyError) as error:
        raise MigrationError(f"{_where(config)}: upgrade failed: {_reason(error)}") from error


def check_current(config: Config) -> bool:
    """Whether the database has every migration applied (and nothing unknown)."""
    cfg = alembic_config(config)
    try:
        heads = set(ScriptDirectory.from_config(cfg).get_heads())
        engine = make_engine(config.database_url)
        try:
            with engine.connect() as connection:
                current = set(MigrationContext.configure(connection).get_current_heads())
        finally:
            engine.dispose()
    except (CommandError, SQLAlchemyError) as error:
        raise MigrationError(f"{_where(config)}: cannot check: {_reason(error)}") from error
    return current == heads


def _where(config: Config) -> str:
    try:
        return f"database {make_url(config.database_url).render_as_string(hide_password=True)}"
    except ArgumentError:
        return "database (invalid URL)"


def _reason(error: Exception) -> str:
    # The driver's own message says what went wrong (unreachable host, bad password, ...);
    # SQLAlchemy's wrapper adds the statement and a link, which a user does not need.
    cause = error.orig if isinstance(error, DBAPIError) else error
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    return lines[0] if lines else type(cause).__name__
