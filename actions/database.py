"""The sales database and settings as the actions see them.

Actions run in the bot's process or on a separate Rasa action server, so they find the
database the same way the bot does: ``SALESBOT_DATABASE_URL``, else config.yml's
``database.url`` (``SALESBOT_CONFIG`` names the file; default ./config.yml). Settings such as
the daily email limit come from that same file, read as the jobs runner reads it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.config import Config, load_config
from bot.db import make_engine
from sales.email_settings import EmailSettings, email_settings


def config() -> Config:
    return load_config(os.environ.get("SALESBOT_CONFIG", "config.yml"))


def database_url() -> str:
    url = os.environ.get("SALESBOT_DATABASE_URL")
    if url:
        return url
    return config().database_url


def email_settings_of(loaded: Config) -> EmailSettings:
    """config.yml's ``email`` section: the email job and the enrolment limit read it alike."""
    return email_settings(loaded.raw.get("email"), f"{loaded.path.name} email")


def daily_email_limit() -> int:
    """Automated emails a user may send a day; read each time, so an edit needs no restart."""
    return email_settings_of(config()).daily_limit_per_user


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """One engine (and connection pool) per database, shared by the actions and the jobs."""
    return make_engine(url)


@contextmanager
def sales_session() -> Iterator[Session]:
    """A session that commits when the action's work succeeds and rolls back when it fails."""
    with Session(engine_for(database_url())) as session, session.begin():
        yield session
