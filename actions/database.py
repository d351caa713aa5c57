"""The sales database as the actions see it.

Actions run in the bot's process or on a separate Rasa action server, so they find the
database the same way the bot does: ``SALESBOT_DATABASE_URL``, else config.yml's
``database.url`` (``SALESBOT_CONFIG`` names the file; default ./config.yml).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.config import load_config
from bot.db import make_engine


def database_url() -> str:
    url = os.environ.get("SALESBOT_DATABASE_URL")
    if url:
        return url
    return load_config(os.environ.get("SALESBOT_CONFIG", "config.yml")).database_url


@lru_cache(maxsize=8)
def _engine(url: str) -> Engine:
    return make_engine(url)


@contextmanager
def sales_session() -> Iterator[Session]:
    """A session that commits when the action's work succeeds and rolls back when it fails."""
    with Session(_engine(database_url())) as session, session.begin():
        yield session
