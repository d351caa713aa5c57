"""Record names kept fresh from the database: read at load, re-read when due, never fatal."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from bot.agent import Agent, UserMessage
from bot.config import ConfigError, load_config
from bot.db import make_engine
from bot.nlu.record_names import RecordNames, plugin_loader, record_names_for
from bot.testing import TestCase, TestRunner, find_test_files, load_test_file
from bot.tracker import ConversationKey
from bot.tracker_store import metadata as tracker_metadata
from sales import data

ASSISTANT = Path(__file__).resolve().parents[2] / "fixtures" / "records_assistant"


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Names:
    """A loader whose answer (or failure) the test sets, counting the reads."""

    def __init__(self, names: dict[str, list[Any]]) -> None:
        self.names = names
        self.error: Exception | None = None
        self.reads = 0

    def __call__(self) -> dict[str, list[Any]]:
        self.reads += 1
        if self.error is not None:
            raise self.error
        return self.names


def values(records: RecordNames, message: str) -> list[str]:
    return [entity["value"] for entity in records.extract(message)]


def test_names_are_read_at_first_use_and_again_only_when_due():
    loader, clock = Names({"account": ["Globex"]}), Clock()
    records = RecordNames(loader, refresh_seconds=30, clock=clock, background=False)
    assert values(records, "the globex deal") == ["Globex"]
    loader.names = {"account": ["Globex", "Initech"]}
    clock.now += 29
    assert values(records, "initech") == []  # not due yet: no query per message
    clock.now += 1
    assert values(records, "initech") == ["Initech"]
    assert loader.reads == 2


def test_a_due_read_runs_in_the_background_and_the_turn_goes_on():
    loader, clock = Names({"account": ["Globex"]}), Clock()
    database_answers = threading.Event()

    def slow_loader() -> dict[str, list[Any]]:
        if loader.reads:  # the re-read: as slow as the test wants
            database_answers.wait(timeout=10)
        return loader()

    records = RecordNames(slow_loader, refresh_seconds=30, clock=clock)
    assert values(records, "globex initech") == ["Globex"]
    loader.names = {"account": ["Globex", "Initech"]}
    clock.now += 30
    # The re-read has started and cannot finish: the turns meanwhile use the names they have.
    assert values(records, "globex initech") == ["Globex"]
    assert values(records, "globex initech") == ["Globex"]
    database_answers.set()
    records.wait(timeout=10)
    assert values(records, "globex initech") == ["Globex", "Initech"]
    assert loader.reads == 2  # one re-read, however many turns found the names stale


def test_unchanged_names_keep_the_index_built_before():
    loader, clock = Names({"account": ["Globex"]}), Clock()
    records = RecordNames(loader, refresh_seconds=5, clock=clock, background=False)
    first = records.current()
    clock.now += 10
    assert records.current() is first
    assert loader.reads == 2


def test_a_failed_read_is_logged_and_the_names_read_before_are_kept(caplog):
    loader, clock = Names({"account": ["Globex"]}), Clock()
    records = RecordNames(loader, refresh_seconds=1, clock=clock, background=False)
    assert values(records, "globex") == ["Globex"]
    loader.error = RuntimeError("database is down")
    clock.now += 2
    with caplog.at_level(logging.WARNING, logger="bot.nlu.record_names"):
        assert values(records, "globex") == ["Globex"]
    assert "could not read record names" in caplog.text
    loader.error = None
    loader.names = {"account": ["Initech"]}
    clock.now += 2
    assert values(records, "globex initech") == ["Initech"]


def test_a_failed_first_read_finds_nothing_and_raises_nothing():
    loader = Names({})
    loader.error = RuntimeError("no such table: accounts")
    records = RecordNames(loader, clock=Clock())
    assert records.extract("the globex deal") == []


def test_the_refresh_interval_is_checked():
    engine = make_engine("sqlite://")
    with pytest.raises(ConfigError, match=r"nlu\.record_names_refresh_seconds"):
        record_names_for("sales.data", engine, {"record_names_refresh_seconds": "often"})
    assert record_names_for(None, engine, {}) is None


def test_a_plugin_without_record_names_gives_none(caplog):
    engine = make_engine("sqlite://")
    assert plugin_loader("json", engine) is None
    with caplog.at_level(logging.WARNING, logger="bot.nlu.record_names"):
        assert plugin_loader("no_such_module_here", engine) is None
    assert "no_such_module_here" in caplog.text


# -- the agent ------------------------------------------------------------------------------------


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'records.db'}")
    tracker_metadata.create_all(engine)
    data.metadata.create_all(engine)
    data.import_records(engine, "accounts", [{"name": "Globex Corporation"}], "accounts")
    yield engine
    engine.dispose()


def say(agent: Agent, message: str, sender: str) -> dict[str, Any]:
    replies = agent.handle(UserMessage(text=message, sender_id=sender))
    state = agent.store.load(ConversationKey(sender, "rest"))
    return {"slots": state.slots, "replies": [reply.text for reply in replies]}


def test_the_agent_fills_slots_from_record_names_and_sees_new_imports(database):
    agent = Agent.load(load_config(ASSISTANT / "config.yml"), engine=database)
    assert agent.records is not None
    clock = Clock(time.monotonic())  # the names were read at load, by the real clock
    agent.records.clock = clock
    turn = say(agent, "what's going on with the globex deal", "rep-1")
    assert turn["replies"] == ["Here is the brief for Globex Corporation."]
    data.import_records(database, "accounts", [{"name": "Vandelay Industries"}], "more")
    clock.now += 31  # past nlu.record_names_refresh_seconds: the next turn starts a re-read
    say(agent, "hello", "rep-2")
    agent.records.wait(timeout=10)
    turn = say(agent, "tell me about vandelay", "rep-2")
    assert turn["replies"] == ["Here is the brief for Vandelay Industries."]


def test_a_database_error_while_reading_names_does_not_break_a_turn(database):
    agent = Agent.load(load_config(ASSISTANT / "config.yml"), engine=database)
    assert agent.records is not None
    clock = Clock(time.monotonic())  # the names were read at load, by the real clock
    agent.records.clock = clock
    with database.begin() as connection:
        connection.execute(text("DROP TABLE saved_lists"))
    clock.now += 60
    say(agent, "hello", "rep-3")
    agent.records.wait(timeout=10)
    turn = say(agent, "what's going on with the globex deal", "rep-3")
    # The names read before still count.
    assert turn["replies"] == ["Here is the brief for Globex Corporation."]


# -- conversations (`salesbot test` runs these too) ------------------------------------------------


@cache
def runner() -> TestRunner:
    return TestRunner(load_config(ASSISTANT / "config.yml"))


def record_cases() -> list[TestCase]:
    return [case for file in find_test_files([ASSISTANT / "e2e"]) for case in load_test_file(file)]


@pytest.mark.parametrize("case", record_cases(), ids=lambda case: case.name)
def test_conversations_with_record_names(case: TestCase) -> None:
    result = runner().run_case(case)
    assert result.passed, "\n".join(result.failures)
