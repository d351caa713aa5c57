"""Alembic environment: the schema is the bot's tracker tables plus the sales and call models.

This file sits outside the packages on purpose: it is the one place allowed to know both.
``bot.migrate`` runs it with ``sqlalchemy.url`` set from config.yml; there is no alembic.ini.
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection

import knowledge.models  # noqa: F401  (calls, participants, segments: on sales' metadata)
from bot.db import make_engine
from bot.tracker_store import metadata as tracker_metadata
from sales.data import metadata as sales_metadata  # imports every sales model module
from sales.models import UTCDateTime

target_metadata = [tracker_metadata, sales_metadata]


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Write our column types as plain SQLAlchemy ones, so migrations never import the models."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(**options: Any) -> None:
    context.configure(
        target_metadata=target_metadata,
        compare_type=True,
        render_item=render_item,
        **options,
    )


def run_offline() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    _configure(url=url, literal_binds=True, render_as_batch=str(url).startswith("sqlite"))
    with context.begin_transaction():
        context.run_migrations()


def _run_on(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # SQLite alters a table by copying it (batch mode); with foreign keys enforced, dropping
        # the old copy would cascade. The pragma only takes effect outside a transaction.
        connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
    _configure(connection=connection, render_as_batch=sqlite)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("sqlalchemy.url is not set; run migrations with `salesbot db upgrade`")
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            _run_on(connection)
            connection.commit()
    finally:
        engine.dispose()  # also drops the connection left without foreign key checks


if context.is_offline_mode():
    run_offline()
else:
    run_online()
