"""Migration 0003 adds the call tables to a database of the sales release, data kept, and
takes them away again on downgrade; on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from bot.config import Config
from bot.db import make_engine
from bot.migrate import alembic_config, check_current, upgrade
from tests.support.db import postgres_schema

REPO = Path(__file__).resolve().parents[2]
CALL_TABLES = {"calls", "call_participants", "call_segments", "call_analyses"}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def config(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Config]:
    def make(url: str) -> Config:
        return Config(path=tmp_path / "config.yml", flows=[], database_url=url,
                      raw={"database": {"url": url, "migrations": str(REPO / "migrations")}})

    if request.param == "sqlite":
        yield make(f"sqlite:///{tmp_path / 'salesbot.db'}")
        return
    with postgres_schema("mig3") as url:
        yield make(url)


def test_upgrade_adds_the_call_tables_and_downgrade_removes_them(config: Config) -> None:
    command.upgrade(alembic_config(config), "0002")
    engine = make_engine(config.database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO users (email, name, role, timezone, working_hours, created_at) "
                "VALUES ('sam@acme.example', 'Sam', 'rep', 'UTC', '09:00-17:00', "
                "'2026-01-01 00:00:00+00')"))
        upgrade(config)
        assert set(inspect(engine).get_table_names()) >= CALL_TABLES
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO calls (owner_id, title, started_at, duration_seconds, source_kind,"
                " source_name, content_hash, created_at) SELECT id, 'Kickoff', "
                "'2026-01-02 10:00:00+00', 60, 'vtt', 'k.vtt', 'abc', '2026-01-02 10:00:00+00'"
                " FROM users"))
            with pytest.raises(IntegrityError), connection.begin_nested():
                connection.execute(text(
                    "INSERT INTO calls (owner_id, title, started_at, duration_seconds, "
                    "source_kind, source_name, content_hash, created_at) SELECT id, 'x', "
                    "'2026-01-02', 1, 'pdf', 'x.pdf', 'def', '2026-01-02' FROM users"))
        assert check_current(config)
        command.downgrade(alembic_config(config), "0002")
        assert not CALL_TABLES & set(inspect(engine).get_table_names())
        with engine.connect() as connection:
            assert connection.execute(text("SELECT email FROM users")).scalars().all() == [
                "sam@acme.example"]  # fmt: skip
    finally:
        engine.dispose()
