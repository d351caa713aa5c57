"""Fixtures shared by every test package."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from tests.support.db import postgres_schema, tracker_engine


@pytest.fixture
def pg_url() -> Iterator[str]:
    """The URL of a fresh PostgreSQL schema, dropped (with everything in it) afterwards."""
    with postgres_schema("test") as url:
        yield url


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    """An engine on ``pg_url`` with the tracker store's tables created."""
    with tracker_engine(pg_url) as engine:
        yield engine
