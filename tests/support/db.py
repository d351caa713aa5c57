"""Test databases: throwaway PostgreSQL schemas, and engines with the tracker tables created."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, text

from bot.db import make_engine
from bot.tracker_store import metadata

PG_SERVER_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"


@contextmanager
def postgres_schema(prefix: str) -> Iterator[str]:
    """The URL of a fresh schema named ``<prefix>_<12 hex>`` on the test server.

    The URL's search_path points every table into the schema, which is dropped (with
    everything in it) afterwards.
    """
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_SERVER_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_SERVER_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def tracker_engine(url: str) -> Iterator[Engine]:
    """An engine on ``url`` with the tracker store's tables created; disposed afterwards."""
    engine = make_engine(url)
    metadata.create_all(engine)
    try:
        yield engine
    finally:
        engine.dispose()
