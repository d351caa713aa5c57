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
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

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
        engine = create_engine(url, connect_args=connect_args, poolclass=_OneThreadAtATimePool)
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



class _OneThreadAtATimePool(StaticPool):
    """The one in-memory connection, lent to one thread at a time.

    A plain ``StaticPool`` lends it to every thread at once, so one thread's commit or rollback
    ends another's transaction. A thread that checks it out again while holding it gets it
    at once (as with ``StaticPool``, the inner return ends the lending).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lent = threading.Condition()
        self._borrower: int | None = None

    def _do_get(self) -> ConnectionPoolEntry:
        me = threading.get_ident()
        with self._lent:
            self._lent.wait_for(lambda: self._borrower in (None, me))
            self._borrower = me
        try:
            return super()._do_get()
        except BaseException:
            self._give_back()
            raise

    def _do_return_conn(self, record: ConnectionPoolEntry) -> None:
        super()._do_return_conn(record)
        self._give_back()

    def _give_back(self) -> None:
        # Not checked against the borrower: the garbage collector may return a connection
        # its thread forgot to close.
        with self._lent:
            self._borrower = None
            self._lent.notify_all()
