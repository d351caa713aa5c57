"""`salesbot db upgrade`: the project's migrations build the schema the code expects."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

import knowledge.models  # noqa: F401  (the call tables share sales' metadata)
from bot.config import Config
from bot.db import make_engine
from bot.migrate import MigrationError, check_current, upgrade
from bot.tracker_store import metadata as tracker_metadata
from sales.data import metadata as sales_metadata
from tests.support.db import postgres_schema

REPO = Path(__file__).resolve().parents[2]
ALL_METADATA = [tracker_metadata, sales_metadata]  # sales and knowledge models share it


def make_config(tmp_path: Path, url: str, migrations: Path = REPO / "migrations") -> Config:
    return Config(
        path=tmp_path / "config.yml",
        flows=[],
        database_url=url,
        raw={"database": {"url": url, "migrations": str(migrations)}},
    )


def expected_tables() -> set[str]:
    return {name for metadata in ALL_METADATA for name in metadata.tables}


def schema_diffs(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, ALL_METADATA))  # type: ignore[arg-type]


@pytest.fixture
def sqlite_config(tmp_path: Path) -> Config:
    return make_config(tmp_path, f"sqlite:///{tmp_path / 'data' / 'salesbot.db'}")


@pytest.fixture
def pg_schema() -> Iterator[str]:
    """A throwaway PostgreSQL schema; the URL's search_path points every table into it."""
    with postgres_schema("mig") as url:
        yield url


def test_upgrade_creates_every_table_of_the_bot_and_the_sales_models(
    sqlite_config: Config,
) -> None:
    upgrade(sqlite_config)

    engine = make_engine(sqlite_config.database_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert expected_tables() <= tables
    assert {"users", "teams", "conversations", "conversation_events"} <= tables


def test_a_second_upgrade_changes_nothing(sqlite_config: Config) -> None:
    assert not check_current(sqlite_config)
    upgrade(sqlite_config)
    engine = make_engine(sqlite_config.database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO teams (name, created_at) VALUES ('East', '2026-01-01')")
            )
        upgrade(sqlite_config)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT name FROM teams")).scalars().all() == ["East"]
    finally:
        engine.dispose()
    assert check_current(sqlite_config)


def test_migrated_sqlite_schema_matches_the_models(sqlite_config: Config) -> None:
    # The guard that a model change comes with its migration.
    upgrade(sqlite_config)
    engine = make_engine(sqlite_config.database_url)
    try:
        assert schema_diffs(engine) == []
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_upgrade_on_postgresql_matches_the_models(tmp_path: Path, pg_schema: str) -> None:
    config = make_config(tmp_path, pg_schema)
    upgrade(config)
    upgrade(config)

    engine = make_engine(pg_schema)
    try:
        assert expected_tables() <= set(inspect(engine).get_table_names())
        assert schema_diffs(engine) == []
        assert check_current(config)
    finally:
        engine.dispose()


def test_a_missing_migrations_folder_is_named(tmp_path: Path) -> None:
    config = make_config(tmp_path, f"sqlite:///{tmp_path / 'x.db'}", tmp_path / "nowhere")
    with pytest.raises(MigrationError, match="nowhere: migrations folder not found"):
        upgrade(config)


@pytest.mark.postgres
def test_an_unreachable_database_gives_a_one_line_reason(tmp_path: Path) -> None:
    url = "postgresql+psycopg2://postgres:secret@127.0.0.1:1/test"
    with pytest.raises(MigrationError) as caught:
        upgrade(make_config(tmp_path, url))
    message = str(caught.value)
    assert "\n" not in message
    assert "127.0.0.1:1" in message and "secret" not in message
    assert "upgrade failed" in message


def test_bot_and_sales_tables_never_share_a_name() -> None:
    # Both schemas live in one database: a sales "events" table would collide with the bot's.
    names = [name for metadata in ALL_METADATA for name in metadata.tables]
    assert len(names) == len(set(names)), names
