"""Sessions: a conversation idle past ``session.expiration_minutes`` starts afresh, keeping its
history; one that is not idle that long carries on where it was."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.agent import Agent, UserMessage
from bot.tracker import ConversationKey
from tests.integration.conftest import (
    ASK_DAY,
    ASK_SEATS,
    ASK_SIZE,
    CANNOT_HANDLE,
    load_agent,
    texts,
    write_config,
)

IDLE_LIMIT = 1.2  # seconds: expiration_minutes 0.02
KEY = ConversationKey("session-visitor", "rest")


@pytest.fixture
def agent(tmp_path: Path, sqlite_engine: Engine) -> Agent:
    config = write_config(tmp_path, {"session": {"expiration_minutes": IDLE_LIMIT / 60}})
    return load_agent(config, sqlite_engine)


def say(agent: Agent, message: str) -> list[str | None]:
    return texts(agent.handle(UserMessage(message, KEY.sender_id, KEY.channel)))


def ask_for_seats(agent: Agent) -> None:
    assert say(agent, "book a demo") == [ASK_SIZE]
    assert say(agent, "small") == [ASK_SEATS]


def test_after_the_idle_time_the_flow_is_forgotten_but_the_history_kept(agent: Agent) -> None:
    ask_for_seats(agent)
    time.sleep(IDLE_LIMIT + 0.3)

    # "12" answered the seats question before; in a new session nothing asks it.
    assert say(agent, "12") == [CANNOT_HANDLE]
    # The company size was forgotten with the flow: a new booking asks for it again.
    assert say(agent, "book a demo") == [ASK_SIZE]

    history = agent.history(KEY)
    kinds = [event["event"] for event in history]
    assert [e["text"] for e in history if e["event"] == "user"] == [
        "book a demo", "small", "12", "book a demo"]
    assert kinds.count("session_started") == 2
    second_session = [i for i, kind in enumerate(kinds) if kind == "session_started"][1]
    texts_before = [e.get("text") for e in history[:second_session]]
    assert "small" in texts_before and ASK_SEATS in texts_before
    assert [e.get("text") for e in history[second_session:] if e["event"] == "user"] == [
        "12", "book a demo"]


def test_a_message_within_the_idle_time_continues_the_flow(agent: Agent) -> None:
    ask_for_seats(agent)
    time.sleep(IDLE_LIMIT * 0.6)

    assert say(agent, "12") == [ASK_DAY]
    time.sleep(IDLE_LIMIT * 0.6)
    # Each message restarts the idle clock: the flow is still on after more than the limit.
    assert say(agent, "wednesday") == ["Book a demo for 12 seats (small company) on wednesday?"]
    assert [e["event"] for e in agent.history(KEY)].count("session_started") == 1
