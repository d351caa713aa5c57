"""Engines and sessions for the one database the assistant keeps everything in.

The embedded default is a SQLite file shared by the server's threads (and by a CLI run beside
it); the scaled setup is PostgreSQL shared by several server processes. ``make_engine`` sets
up either so that concurrent use waits instead of failing.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

# Long enough to ride out another writer's transaction, short enough to report a stuck one.
SQLITE_BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str) -> Engine:
    """An engine for ``url``: a SQLite file or in-memory database, or PostgreSQL.

    Driver options may ride in the URL's query string, e.g. a PostgreSQL schema with
    ``?options=-csearch_path%3Dmyschema``.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    return create_engine(parsed, pool_pre_ping=True)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to ``engine``; objects stay readable after commit (no lazy reload)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def _is_memory(url: URL) -> bool:
    database = url.database or ""
    return database in ("", ":memory:") or "mode=memory" in database


def _sqlite_engine(url: URL) -> Engine:
    connect_args: dict[str, Any] = {"check_same_thread": False}
    if _is_memory(url):
        # Every connection to ":memory:" is a new empty database: share one across threads,
        # and let one thread at a time use it, or their transactions would mix.
        engine = create_engine(url, connect_args=connect_args, poolclass=StaticPool)
        turns = _OneThreadAtATime()
        event.listen(engine, "checkout", turns.checkout)
        event.listen(engine, "checkin", turns.checkin)
    else:
        database = url.database or ""
        if not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args=connect_args)
    event.listen(engine, "connect", _configure_sqlite_connection)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        # busy_timeout first: switching to WAL needs a lock another connection may hold.
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        # WAL lets readers run beside the one writer; NORMAL sync is durable enough with WAL.
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


class _OneThreadAtATime:
    """Hands the one in-memory connection to one thread at a time, re-entrantly.

    Unlike an ``RLock`` it may be released from another thread, as happens when the garbage
    collector returns a connection its thread forgot to close.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._owner: int | None = None
        self._depth = 0

    def checkout(self, *_args: Any) -> None:
        me = threading.get_ident()
        with self._condition:
            self._condition.wait_for(lambda: self._owner in (None, me))
            self._owner = me
            self._depth += 1

    def checkin(self, *_args: Any) -> None:
        with self._condition:
            self._depth = max(self._depth - 1, 0)
            if self._depth == 0:
                self._owner = None
                self._condition.notify_all()
