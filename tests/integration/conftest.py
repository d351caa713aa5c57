"""Shared pieces of the integration tests: the test assistant, fresh databases, and the checks
that a conversation's stored history is one serial run of its turns.

The assistant is tests/fixtures/assistant, loaded the way `salesbot run` loads it; every test
gets its own database (a SQLite file in tmp_path, or a throwaway PostgreSQL schema from the
pg_url and pg_engine fixtures of tests/conftest.py).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine

from bot.agent import Agent, UserMessage
from bot.config import load_config
from bot.tracker import ConversationKey, Event
from bot.tracker_store import metadata
from tests.support.db import tracker_engine

REPO = Path(__file__).resolve().parents[2]
ASSISTANT = REPO / "tests" / "fixtures" / "assistant"

PRICING = "Plans start at $25 per seat per month."
APOLOGY = "Sorry, I am having trouble with that right now. Please try again in a few minutes."
CANNOT_HANDLE = (
    "I'm sorry, I'm not able to help with that. Could you rephrase, or ask me something else?"
)
ASK_SIZE = "How big is your company?"
ASK_SEATS = "How many seats do you need?"
ASK_DAY = "Which weekday suits you for the demo?"
ENTERPRISE_NOTE = "Great, large teams get a dedicated solutions engineer on the demo."
ANYTHING_ELSE = "What else can I help you with?"


def write_config(folder: Path, sections: dict[str, Any]) -> Path:
    """A config.yml in ``folder`` serving the test assistant's flows, plus ``sections``.

    The models cache stays the fixture's own (its key is the training data), so a copied
    config does not retrain the NLU for every test.
    """
    raw: dict[str, Any] = {
        "flows": [str(ASSISTANT / "flows")],
        "data_dir": str(ASSISTANT / ".salesbot"),
        "nlu": {"threshold": 0.4},
        "database": {"url": f"sqlite:///{folder / 'assistant.db'}"},
        **sections,
    }
    path = folder / "config.yml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def load_agent(config_path: Path, engine: Engine) -> Agent:
    """The assistant of ``config_path`` on ``engine``, whose tables are created first."""
    metadata.create_all(engine)
    return Agent.load(load_config(config_path), engine=engine)


def texts(replies: list[Any]) -> list[str | None]:
    """What a user reads: the texts of the bot's replies (BotMessages or REST JSON dicts)."""
    return [reply.get("text") if isinstance(reply, dict) else reply.text for reply in replies]


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    with tracker_engine(f"sqlite:///{tmp_path / 'conversations.db'}") as engine:
        yield engine


@pytest.fixture
def assistant(sqlite_engine: Engine) -> Agent:
    """The test assistant as configured in its folder, on a fresh SQLite file."""
    return load_agent(ASSISTANT / "config.yml", sqlite_engine)


# -- checking a conversation's history ----------------------------------------------------------


@dataclass
class Turn:
    """One user event as stored, and the events stored after it up to the next user event."""

    user: Event
    after: list[Event]

    @property
    def bot_texts(self) -> list[str | None]:
        return [event.get("text") for event in self.after if event["event"] == "bot"]


def stored_turns(agent: Agent, key: ConversationKey) -> list[Turn]:
    turns: list[Turn] = []
    for event in agent.history(key):
        if event["event"] == "user":
            turns.append(Turn(event, []))
        elif turns:
            turns[-1].after.append(event)
    return turns


def assert_serial_history(agent: Agent, key: ConversationKey,
                          answered: dict[str, list[str | None]]) -> None:
    """The stored history of ``key`` is what one turn after another would have produced.

    ``answered`` maps each message id to the reply texts its sender got back. Checks that
    every message is stored once, followed by exactly the replies its sender got; and that
    replaying the stored messages one at a time into a new conversation gives the same replies
    turn by turn, which fails if two turns ever ran on the same starting state.
    """
    turns = stored_turns(agent, key)
    stored_ids = [turn.user["message_id"] for turn in turns]
    assert sorted(stored_ids) == sorted(answered), "a message was lost or stored twice"
    for turn in turns:
        assert turn.bot_texts == answered[turn.user["message_id"]], turn.user["text"]

    replay = ConversationKey(f"replay-{secrets.token_hex(4)}", key.channel)
    for turn in turns:
        replies = agent.handle(UserMessage(turn.user["text"], replay.sender_id, key.channel))
        assert texts(replies) == turn.bot_texts, (
            f"turn {turn.user['message_id']} ({turn.user['text']}) replied {turn.bot_texts}; "
            f"run serially it replies {texts(replies)}"
        )
