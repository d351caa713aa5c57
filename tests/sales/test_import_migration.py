"""Migration 0002 brings a database of the first release to the sales records, data kept."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text

from bot.config import Config
from bot.db import make_engine
from bot.migrate import alembic_config, check_current, upgrade
from sales.data import load_fixtures
from tests.support.db import postgres_schema

REPO = Path(__file__).resolve().parents[2]
NEW_TABLES = {
    "accounts", "contacts", "leads", "saved_lists", "list_members", "cadences", "cadence_steps",
    "enrollments", "step_tasks", "engagement_events", "outbox", "cadence_operations",
}  # fmt: skip


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'salesbot.db'}"
        return
    with postgres_schema("mig2") as url:
        yield url


def config_for(tmp_path: Path, url: str) -> Config:
    return Config(
        path=tmp_path / "config.yml",
        flows=[],
        database_url=url,
        raw={"database": {"url": url, "migrations": str(REPO / "migrations")}},
    )


def test_upgrading_a_first_release_database_keeps_its_users(
    tmp_path: Path, database_url: str
) -> None:
    config = config_for(tmp_path, database_url)
    command.upgrade(alembic_config(config), "0001")
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (email, name, role, timezone, created_at) VALUES "
                    "('sam@acme.example', 'Sam', 'rep', 'UTC', '2026-01-01 00:00:00+00')"
                )
            )
        upgrade(config)

        assert set(inspect(engine).get_table_names()) >= NEW_TABLES
        with engine.connect() as connection:
            hours = connection.execute(text("SELECT email, working_hours FROM users")).all()
        assert [tuple(row) for row in hours] == [("sam@acme.example", "09:00-17:00")]
        # The demo org imports into the migrated schema (every kind, every new table).
        counts = load_fixtures(engine, REPO / "data" / "demo.yml")
        assert counts["cadences"] == 3
    finally:
        engine.dispose()
    assert check_current(config)


def test_downgrading_to_the_first_release_and_back(tmp_path: Path, database_url: str) -> None:
    config = config_for(tmp_path, database_url)
    upgrade(config)
    command.downgrade(alembic_config(config), "0001")
    engine = make_engine(database_url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert not NEW_TABLES & tables
        assert "working_hours" not in {c["name"] for c in inspect(engine).get_columns("users")}
    finally:
        engine.dispose()
    upgrade(config)
    assert check_current(config)
